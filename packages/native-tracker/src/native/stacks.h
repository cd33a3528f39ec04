// Allocation sites: a native stack captured in the hook, interned so that an allocation stores a
// 4-byte id. Symbolized only when survivors are read (symbolize.h).
#pragma once

#include <unwind.h>

#include "common.h"

namespace leakproof {

constexpr int kMaxDepth = 16;

struct StackKey {
  AllocKind kind;
  uint8_t depth;
  uintptr_t frames[kMaxDepth];  // return addresses, innermost first
};

class StackTable {
 public:
  bool Init(size_t capacity);
  // Returns the id of this site (1-based), interning it if new; 0 when the table is full.
  uint32_t Intern(const StackKey& key);
  bool Get(uint32_t id, StackKey* out) const;
  uint32_t Count() const { return count_.load(std::memory_order_relaxed); }
  uint64_t Full() const { return full_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    std::atomic<uint64_t> hash;  // written last (release): 0 means empty, non-zero means complete
    StackKey key;
  };
  static uint64_t Hash(const StackKey& key);
  static bool Same(const StackKey& a, const StackKey& b);

  Entry* entries_ = nullptr;
  size_t mask_ = 0;
  std::atomic<uint32_t> count_{0};
  std::atomic<uint64_t> full_{0};
  SpinLock lock_;
};

// The address range of the tracker's own code, so that its frames are left out of stacks.
void SetSelfRange(uintptr_t begin, uintptr_t end);

struct UnwindState {
  StackKey* key;
  // Where each captured return address was found on the stack (the callee's CFA - 8), so that a
  // later capture on the same path can check the stack instead of unwinding it; 0 when unknown.
  uintptr_t* slots;
  int max_depth;
  bool in_tracker;  // still inside the tracker's own frames (the hook)
};
_Unwind_Reason_Code CollectFrame(struct _Unwind_Context* context, void* arg);

// Fills key->frames with up to max_depth return addresses of the caller of the hook, skipping the
// tracker's own frames. Uses the DWARF unwinder (_Unwind_Backtrace): addons and system libraries
// are built without frame pointers, so a frame-pointer walk would be wrong or crash. Inlined into
// the hook so that the unwinder starts one frame closer to the caller: each step costs ~250 ns.
__attribute__((always_inline)) inline void CaptureStack(StackKey* key, uintptr_t* slots, int max_depth) {
  key->depth = 0;
  if (max_depth <= 0) return;
  UnwindState state{key, slots, max_depth > kMaxDepth ? kMaxDepth : max_depth, true};
  // The unwinder stops by itself at frames without unwind info (V8's JIT code): no crash there.
  _Unwind_Backtrace(CollectFrame, &state);
}

// A per-thread memo of the last stacks captured, keyed by the hook's caller and stack pointer.
// A leak test calls the same function in a loop: the same call path, at the same stack depth,
// leaves the same return addresses in the same stack slots. Reading those slots (this thread's
// own stack, so always mapped) and comparing costs ~10 ns where unwinding costs ~2 µs.
struct StackMemo {
  static constexpr int kEntries = 4;
  struct Entry {
    uintptr_t sp;
    uintptr_t caller;
    uint32_t stack;
    AllocKind kind;
    uint8_t depth_option;
    uint8_t depth;
    uintptr_t frames[kMaxDepth];
    uintptr_t slots[kMaxDepth];
  } entries[kEntries];
};

// This thread's memo, or null (none left, or the thread is exiting). Never allocates with malloc.
StackMemo* ThreadStackMemo();
void InitStackMemos();

}  // namespace leakproof
