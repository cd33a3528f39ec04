#include "support.h"
#if LEAKPROOF_SUPPORTED

#include "stacks.h"

#include <pthread.h>

#include <cstring>

namespace leakproof {

namespace {
uintptr_t self_begin = 0;
uintptr_t self_end = 0;
}  // namespace

void SetSelfRange(uintptr_t begin, uintptr_t end) {
  self_begin = begin;
  self_end = end;
}

_Unwind_Reason_Code CollectFrame(struct _Unwind_Context* context, void* arg) {
  auto* state = static_cast<UnwindState*>(arg);
  uintptr_t ip = _Unwind_GetIP(context);
  if (ip == 0) return _URC_END_OF_STACK;
  if (state->in_tracker && ip >= self_begin && ip < self_end) return _URC_NO_REASON;
  state->in_tracker = false;
  int index = state->key->depth++;
  state->key->frames[index] = ip;
  // On x86_64 a return address sits just below the CFA of the frame that will return to it,
  // which is the CFA libgcc gives with that address. Kept only if it is really there, so the
  // memo never trusts a slot the unwinder did not read it from.
  uintptr_t cfa = _Unwind_GetCFA(context);
  uintptr_t slot = cfa ? cfa - sizeof(uintptr_t) : 0;
  state->slots[index] = slot && *reinterpret_cast<const uintptr_t*>(slot) == ip ? slot : 0;
  return state->key->depth >= state->max_depth ? _URC_END_OF_STACK : _URC_NO_REASON;
}

namespace {
// Memos for up to kMemos live threads, in mmap'd memory; a thread's is returned when it exits.
constexpr size_t kMemos = 1024;
StackMemo* memos = nullptr;
std::atomic<uint8_t>* memo_used = nullptr;
pthread_key_t memo_key;
bool memo_key_ready = false;
__thread StackMemo* thread_memo __attribute__((tls_model("initial-exec"))) = nullptr;
__thread bool thread_memo_tried __attribute__((tls_model("initial-exec"))) = false;

// Runs on the exiting thread itself: later allocations by its other TLS destructors must not
// use a memo that another thread may already have taken.
void ReleaseMemo(void* memo) {
  thread_memo = nullptr;
  thread_memo_tried = true;
  size_t index = static_cast<size_t>(static_cast<StackMemo*>(memo) - memos);
  if (index < kMemos) {
    memset(memo, 0, sizeof(StackMemo));
    memo_used[index].store(0, std::memory_order_release);
  }
}
}  // namespace

void InitStackMemos() {
  if (memos) return;
  memos = static_cast<StackMemo*>(MapZeroed(kMemos * sizeof(StackMemo)));
  memo_used = static_cast<std::atomic<uint8_t>*>(MapZeroed(kMemos));
  memo_key_ready = memos && memo_used && pthread_key_create(&memo_key, ReleaseMemo) == 0;
}

StackMemo* ThreadStackMemo() {
  if (thread_memo || thread_memo_tried || !memo_key_ready) return thread_memo;
  thread_memo_tried = true;
  for (size_t i = 0; i < kMemos; i++) {
    uint8_t expected = 0;
    if (memo_used[i].compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
      // Registered so that the memo is returned when the thread exits (a Jest worker thread).
      if (pthread_setspecific(memo_key, &memos[i]) != 0) {
        memo_used[i].store(0);
        return nullptr;
      }
      thread_memo = &memos[i];
      break;
    }
  }
  return thread_memo;
}

uint64_t StackTable::Hash(const StackKey& key) {
  uint64_t h = 0xcbf29ce484222325ULL ^ static_cast<uint64_t>(key.kind) ^ (static_cast<uint64_t>(key.depth) << 8);
  for (int i = 0; i < key.depth; i++) {
    h ^= key.frames[i];
    h *= 0x100000001b3ULL;
    h ^= h >> 29;
  }
  return h | 1;  // never 0, which marks an empty entry
}

bool StackTable::Same(const StackKey& a, const StackKey& b) {
  return a.kind == b.kind && a.depth == b.depth && memcmp(a.frames, b.frames, a.depth * sizeof(uintptr_t)) == 0;
}

bool StackTable::Init(size_t capacity) {
  if (entries_) return true;
  size_t slots = 1024;
  while (slots < capacity) slots <<= 1;
  entries_ = static_cast<Entry*>(MapZeroed(slots * sizeof(Entry)));
  if (!entries_) return false;
  mask_ = slots - 1;
  return true;
}

uint32_t StackTable::Intern(const StackKey& key) {
  if (!entries_) return 0;
  uint64_t h = Hash(key);
  // Lock-free lookup: a site seen before (the common case) costs no lock.
  size_t i = h & mask_;
  for (size_t probes = 0; probes <= mask_; probes++, i = (i + 1) & mask_) {
    uint64_t seen = entries_[i].hash.load(std::memory_order_acquire);
    if (seen == 0) break;
    if (seen == h && Same(entries_[i].key, key)) return static_cast<uint32_t>(i + 1);
  }
  LockGuard guard(lock_);
  // Entries are only ever added, so continuing the probe under the lock finds any racing insert.
  if ((count_.load(std::memory_order_relaxed) + 1) * 4 > (mask_ + 1) * 3) {
    full_.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  i = h & mask_;
  for (;; i = (i + 1) & mask_) {
    uint64_t seen = entries_[i].hash.load(std::memory_order_acquire);
    if (seen == 0) break;
    if (seen == h && Same(entries_[i].key, key)) return static_cast<uint32_t>(i + 1);
  }
  entries_[i].key = key;
  entries_[i].hash.store(h, std::memory_order_release);
  count_.fetch_add(1, std::memory_order_relaxed);
  return static_cast<uint32_t>(i + 1);
}

bool StackTable::Get(uint32_t id, StackKey* out) const {
  if (!entries_ || id == 0 || id - 1 > mask_) return false;
  const Entry& entry = entries_[id - 1];
  if (entry.hash.load(std::memory_order_acquire) == 0) return false;
  *out = entry.key;
  return true;
}

}  // namespace leakproof

#endif  // LEAKPROOF_SUPPORTED
