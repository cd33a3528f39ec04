// Live allocations by pointer: a sharded open-addressing hash map in mmap'd memory, so that a
// free on any thread (libuv pool, V8 workers, std::thread) finds the allocation it releases.
#pragma once

#include "common.h"

namespace leakproof {

struct Allocation {
  uintptr_t ptr;  // 0 marks an empty slot
  uint64_t size;
  uint32_t stack;  // interned allocation site (StackTable id)
  uint32_t epoch;  // the mark() epoch current when it was allocated
};

struct TableTotals {
  uint64_t live_bytes = 0;
  uint64_t live_blocks = 0;
  uint64_t allocs = 0;
  uint64_t frees = 0;
  // free() of a pointer the tracker never saw (allocated before start() or by untracked code).
  uint64_t ignored_frees = 0;
  // Allocations that could not be recorded (mmap for a larger table failed).
  uint64_t dropped = 0;
};

class AllocationTable {
 public:
  static constexpr unsigned kShardBits = 6;
  static constexpr unsigned kShards = 1u << kShardBits;

  bool Init(size_t initial_slots_per_shard);
  // Records an allocation; a pointer already present (freed by code that is not tracked, then
  // handed out again) is overwritten, which keeps the table right without any free hook there.
  void Insert(uintptr_t ptr, uint64_t size, uint32_t stack, uint32_t epoch);
  // Removes and returns the allocation at ptr; false (and counted as ignored) when unknown.
  bool Remove(uintptr_t ptr, Allocation* out);
  // Puts back an allocation removed by Remove (a realloc that failed), without counting it again.
  void Restore(const Allocation& allocation);
  void Clear();
  TableTotals Totals();

  // Calls fn(const Allocation&) for every live allocation, one shard locked at a time.
  template <typename Fn>
  void ForEach(Fn fn) {
    for (auto& shard : shards_) {
      LockGuard guard(shard.lock);
      for (size_t i = 0; i <= shard.mask; i++) {
        if (shard.slots[i].ptr != 0) fn(shard.slots[i]);
      }
    }
  }

 private:
  struct alignas(64) Shard {
    SpinLock lock;
    Allocation* slots = nullptr;
    size_t mask = 0;
    size_t used = 0;
    TableTotals totals;
  };

  static uint64_t Mix(uintptr_t ptr);
  static bool Grow(Shard& shard);
  static void Place(Shard& shard, const Allocation& allocation);

  Shard shards_[kShards];
};

}  // namespace leakproof
