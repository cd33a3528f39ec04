#include "support.h"
#if LEAKPROOF_SUPPORTED

#include "table.h"

#include <sys/mman.h>

namespace leakproof {

void* MapZeroed(size_t bytes) {
  void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return memory == MAP_FAILED ? nullptr : memory;
}

void Unmap(void* address, size_t bytes) {
  if (address) munmap(address, bytes);
}

uint64_t AllocationTable::Mix(uintptr_t ptr) {
  // Pointers share their low bits (alignment) and high bits (arena): mix all bits (splitmix64 finaliser).
  uint64_t h = ptr;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

bool AllocationTable::Init(size_t initial_slots_per_shard) {
  size_t slots = 16;
  while (slots < initial_slots_per_shard) slots <<= 1;
  for (auto& shard : shards_) {
    if (shard.slots) continue;
    shard.slots = static_cast<Allocation*>(MapZeroed(slots * sizeof(Allocation)));
    if (!shard.slots) return false;
    shard.mask = slots - 1;
  }
  return true;
}

void AllocationTable::Place(Shard& shard, const Allocation& allocation) {
  size_t i = (Mix(allocation.ptr) >> kShardBits) & shard.mask;
  while (shard.slots[i].ptr != 0) i = (i + 1) & shard.mask;
  shard.slots[i] = allocation;
}

bool AllocationTable::Grow(Shard& shard) {
  size_t old_slots = shard.mask + 1;
  size_t new_slots = old_slots * 2;
  auto* fresh = static_cast<Allocation*>(MapZeroed(new_slots * sizeof(Allocation)));
  if (!fresh) return false;
  Allocation* old = shard.slots;
  shard.slots = fresh;
  shard.mask = new_slots - 1;
  for (size_t i = 0; i < old_slots; i++) {
    if (old[i].ptr != 0) Place(shard, old[i]);
  }
  Unmap(old, old_slots * sizeof(Allocation));
  return true;
}

void AllocationTable::Insert(uintptr_t ptr, uint64_t size, uint32_t stack, uint32_t epoch) {
  uint64_t h = Mix(ptr);
  Shard& shard = shards_[h & (kShards - 1)];
  LockGuard guard(shard.lock);
  if (!shard.slots) {
    shard.totals.dropped++;
    return;
  }
  size_t i = (h >> kShardBits) & shard.mask;
  while (shard.slots[i].ptr != 0) {
    if (shard.slots[i].ptr == ptr) {
      // Freed by untracked code and handed out again: the old record is stale.
      shard.totals.live_bytes -= shard.slots[i].size;
      shard.totals.live_bytes += size;
      shard.totals.allocs++;
      shard.totals.frees++;  // keeps allocs - frees == live blocks
      shard.slots[i] = Allocation{ptr, size, stack, epoch};
      return;
    }
    i = (i + 1) & shard.mask;
  }
  // Load factor at most 3/4: linear probing stays short.
  if ((shard.used + 1) * 4 > (shard.mask + 1) * 3) {
    if (!Grow(shard) && shard.used + 1 > shard.mask) {
      shard.totals.dropped++;
      return;
    }
    i = (h >> kShardBits) & shard.mask;
    while (shard.slots[i].ptr != 0) i = (i + 1) & shard.mask;
  }
  shard.slots[i] = Allocation{ptr, size, stack, epoch};
  shard.used++;
  shard.totals.live_bytes += size;
  shard.totals.live_blocks++;
  shard.totals.allocs++;
}

bool AllocationTable::Remove(uintptr_t ptr, Allocation* out) {
  uint64_t h = Mix(ptr);
  Shard& shard = shards_[h & (kShards - 1)];
  LockGuard guard(shard.lock);
  if (!shard.slots) return false;
  size_t i = (h >> kShardBits) & shard.mask;
  while (shard.slots[i].ptr != ptr) {
    if (shard.slots[i].ptr == 0) {
      shard.totals.ignored_frees++;
      return false;
    }
    i = (i + 1) & shard.mask;
  }
  if (out) *out = shard.slots[i];
  shard.totals.live_bytes -= shard.slots[i].size;
  shard.totals.live_blocks--;
  shard.totals.frees++;
  shard.used--;
  // Backward-shift deletion: no tombstones, so lookups never slow down with churn.
  size_t hole = i;
  size_t j = i;
  for (;;) {
    j = (j + 1) & shard.mask;
    if (shard.slots[j].ptr == 0) break;
    size_t home = (Mix(shard.slots[j].ptr) >> kShardBits) & shard.mask;
    // The entry at j may move into the hole unless its home lies cyclically in (hole, j].
    bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!stays) {
      shard.slots[hole] = shard.slots[j];
      hole = j;
    }
  }
  shard.slots[hole].ptr = 0;
  return true;
}

void AllocationTable::Restore(const Allocation& allocation) {
  Insert(allocation.ptr, allocation.size, allocation.stack, allocation.epoch);
  Shard& shard = shards_[Mix(allocation.ptr) & (kShards - 1)];
  LockGuard guard(shard.lock);
  // Undo the counting of Remove and Insert: the block never changed hands.
  shard.totals.allocs--;
  shard.totals.frees--;
}

void AllocationTable::Clear() {
  for (auto& shard : shards_) {
    LockGuard guard(shard.lock);
    if (shard.slots) {
      for (size_t i = 0; i <= shard.mask; i++) shard.slots[i].ptr = 0;
    }
    shard.used = 0;
    shard.totals = TableTotals{};
  }
}

TableTotals AllocationTable::Totals() {
  TableTotals sum;
  for (auto& shard : shards_) {
    LockGuard guard(shard.lock);
    sum.live_bytes += shard.totals.live_bytes;
    sum.live_blocks += shard.totals.live_blocks;
    sum.allocs += shard.totals.allocs;
    sum.frees += shard.totals.frees;
    sum.ignored_frees += shard.totals.ignored_frees;
    sum.dropped += shard.totals.dropped;
  }
  return sum;
}

}  // namespace leakproof

#endif  // LEAKPROOF_SUPPORTED
