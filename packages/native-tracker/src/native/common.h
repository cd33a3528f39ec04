// Shared definitions of the tracker's native core. Everything here is reachable from inside an
// allocation hook, so nothing may allocate with malloc: memory comes from mmap, locks are spin locks.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include <sched.h>

namespace leakproof {

// Which hooked function made an allocation: part of an allocation site, shown first in a loss record.
enum class AllocKind : uint8_t {
  Malloc,
  Calloc,
  Realloc,
  Reallocarray,
  PosixMemalign,
  AlignedAlloc,
  Memalign,
  Valloc,
  Pvalloc,
  Strdup,
  Strndup,
  Count
};

const char* KindName(AllocKind kind);

// A test-and-test-and-set lock: pthread mutexes would do too, but a spin lock is a single word,
// never allocates and is cheapest for the few instructions each hook holds it.
class SpinLock {
 public:
  void Lock() {
    for (unsigned spins = 0;;) {
      if (!word_.exchange(1, std::memory_order_acquire)) return;
      while (word_.load(std::memory_order_relaxed)) {
        // A holder preempted mid-section would make pure spinning burn a whole time slice.
        if (++spins > 128)
          sched_yield();
        else
          __builtin_ia32_pause();
      }
    }
  }
  void Unlock() { word_.store(0, std::memory_order_release); }

 private:
  std::atomic<uint32_t> word_{0};
};

class LockGuard {
 public:
  explicit LockGuard(SpinLock& lock) : lock_(lock) { lock_.Lock(); }
  ~LockGuard() { lock_.Unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  SpinLock& lock_;
};

// Anonymous, zero-filled, lazily committed memory: the only allocator the tracker uses on hook paths.
void* MapZeroed(size_t bytes);
void Unmap(void* address, size_t bytes);

}  // namespace leakproof
