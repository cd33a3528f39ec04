#include "support.h"
#if LEAKPROOF_SUPPORTED

#include "tracker.h"

#include <dlfcn.h>
#include <link.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <unordered_map>

namespace leakproof {

namespace {

AllocationTable table;
StackTable stacks;
std::atomic<bool> active{false};
std::atomic<uint32_t> epoch{0};
int stack_depth = 0;
uint32_t kind_only_stack[static_cast<int>(AllocKind::Count)];
SpinLock lifecycle;  // start/stop from two threads at once

// Set while this thread is inside the tracker: an allocation made by the tracker itself, by the
// unwinder or by the symbolizer is never recorded, and a hook re-entered from a signal handler
// that interrupted the tracker passes straight through instead of taking a lock it may hold.
// initial-exec: no __tls_get_addr call (which may allocate) on the hook path.
__thread bool busy __attribute__((tls_model("initial-exec"))) = false;

class Busy {
 public:
  Busy() { busy = true; }
  ~Busy() { busy = false; }
};

__attribute__((always_inline)) inline bool Tracking() { return active.load(std::memory_order_relaxed) && !busy; }

bool use_memo = true;

__attribute__((always_inline)) inline uint32_t SiteOf(AllocKind kind) {
  if (stack_depth == 0) return kind_only_stack[static_cast<int>(kind)];
  // Inlined into the hook: the hook's own return address and stack pointer.
  uintptr_t caller = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  uintptr_t sp;
  asm volatile("mov %%rsp, %0" : "=r"(sp));
  StackMemo* memo = use_memo ? ThreadStackMemo() : nullptr;
  StackMemo::Entry* entry = nullptr;
  if (memo) {
    entry = &memo->entries[((caller >> 4) ^ (sp >> 4)) & (StackMemo::kEntries - 1)];
    if (entry->stack != 0 && entry->caller == caller && entry->sp == sp && entry->kind == kind &&
        entry->depth_option == stack_depth) {
      bool same = true;
      for (int i = 0; same && i < entry->depth; i++)
        same = *reinterpret_cast<const uintptr_t*>(entry->slots[i]) == entry->frames[i];
      if (same) return entry->stack;
    }
  }
  StackKey key;
  key.kind = kind;
  uintptr_t slots[kMaxDepth];
  CaptureStack(&key, slots, stack_depth);
  uint32_t id = stacks.Intern(key);
  if (entry && id != 0 && key.depth > 0 && key.frames[0] == caller) {
    bool known = true;
    for (int i = 0; known && i < key.depth; i++) known = slots[i] != 0;
    entry->stack = 0;
    if (known) {
      entry->caller = caller;
      entry->sp = sp;
      entry->kind = kind;
      entry->depth_option = static_cast<uint8_t>(stack_depth);
      entry->depth = key.depth;
      memcpy(entry->frames, key.frames, key.depth * sizeof(uintptr_t));
      memcpy(entry->slots, slots, key.depth * sizeof(uintptr_t));
      entry->stack = id;
    }
  }
  return id;
}

__attribute__((always_inline)) inline void Record(void* ptr, size_t size, AllocKind kind) {
  Busy guard;
  table.Insert(reinterpret_cast<uintptr_t>(ptr), size, SiteOf(kind), epoch.load(std::memory_order_relaxed));
}

__attribute__((always_inline)) inline void Forget(void* ptr) {
  Busy guard;
  table.Remove(reinterpret_cast<uintptr_t>(ptr), nullptr);
}

}  // namespace

// The hooks. Each calls the real function through the tracker's own GOT, which is never patched.
// A free is forgotten before the real free: once freed, another thread may get the same address.
extern "C" {
#define HOOK __attribute__((visibility("hidden"), noinline))

HOOK void* lp_malloc(size_t size) {
  void* p = malloc(size);
  if (p && Tracking()) Record(p, size, AllocKind::Malloc);
  return p;
}

HOOK void* lp_calloc(size_t count, size_t size) {
  void* p = calloc(count, size);
  if (p && Tracking()) Record(p, count * size, AllocKind::Calloc);
  return p;
}

HOOK void lp_free(void* ptr) {
  if (ptr && Tracking()) Forget(ptr);
  free(ptr);
}

static void* ReallocLike(void* ptr, size_t size, size_t count, bool array) {
  if (!Tracking()) return array ? reallocarray(ptr, count, size) : realloc(ptr, size);
  Allocation old{};
  bool had = false;
  if (ptr) {
    Busy guard;
    had = table.Remove(reinterpret_cast<uintptr_t>(ptr), &old);
  }
  void* p = array ? reallocarray(ptr, count, size) : realloc(ptr, size);
  size_t bytes = array ? count * size : size;
  if (p) {
    Record(p, bytes, array ? AllocKind::Reallocarray : AllocKind::Realloc);
  } else if (had && bytes != 0) {
    // Failed: the old block is still the caller's. (A size of 0 frees it and returns NULL.)
    Busy guard;
    table.Restore(old);
  }
  return p;
}

HOOK void* lp_realloc(void* ptr, size_t size) { return ReallocLike(ptr, size, 1, false); }
HOOK void* lp_reallocarray(void* ptr, size_t count, size_t size) { return ReallocLike(ptr, size, count, true); }

HOOK int lp_posix_memalign(void** out, size_t alignment, size_t size) {
  int rc = posix_memalign(out, alignment, size);
  if (rc == 0 && *out && Tracking()) Record(*out, size, AllocKind::PosixMemalign);
  return rc;
}

HOOK void* lp_aligned_alloc(size_t alignment, size_t size) {
  void* p = aligned_alloc(alignment, size);
  if (p && Tracking()) Record(p, size, AllocKind::AlignedAlloc);
  return p;
}

HOOK void* lp_memalign(size_t alignment, size_t size) {
  void* p = memalign(alignment, size);
  if (p && Tracking()) Record(p, size, AllocKind::Memalign);
  return p;
}

HOOK void* lp_valloc(size_t size) {
  void* p = valloc(size);
  if (p && Tracking()) Record(p, size, AllocKind::Valloc);
  return p;
}

HOOK void* lp_pvalloc(size_t size) {
  void* p = pvalloc(size);
  if (p && Tracking()) Record(p, size, AllocKind::Pvalloc);
  return p;
}

// strdup and strndup allocate inside libc, where no hook sees it: without these, a leaked strdup
// would be invisible and its free would be ignored.
HOOK char* lp_strdup(const char* s) {
  char* p = strdup(s);
  if (p && Tracking()) Record(p, strlen(p) + 1, AllocKind::Strdup);
  return p;
}

HOOK char* lp_strndup(const char* s, size_t n) {
  char* p = strndup(s, n);
  if (p && Tracking()) Record(p, strlen(p) + 1, AllocKind::Strndup);
  return p;
}

// Libraries loaded from now on (an addon's `require`, what it loads) get their hooks here.
// Known limit of any dlopen wrapper: glibc searches a bare name (no '/') with the RUNPATH of
// dlopen's caller, which is now the tracker (README, known limits). Node passes full paths.
HOOK void* lp_dlopen(const char* file, int flags) {
  void* handle = dlopen(file, flags);
  if (handle && active.load(std::memory_order_relaxed) && !busy) {
    Busy guard;
    RescanAfterDlopen();
  }
  return handle;
}

#undef HOOK
}  // extern "C"

const char* KindName(AllocKind kind) {
  switch (kind) {
    case AllocKind::Malloc:
      return "malloc";
    case AllocKind::Calloc:
      return "calloc";
    case AllocKind::Realloc:
      return "realloc";
    case AllocKind::Reallocarray:
      return "reallocarray";
    case AllocKind::PosixMemalign:
      return "posix_memalign";
    case AllocKind::AlignedAlloc:
      return "aligned_alloc";
    case AllocKind::Memalign:
      return "memalign";
    case AllocKind::Valloc:
      return "valloc";
    case AllocKind::Pvalloc:
      return "pvalloc";
    case AllocKind::Strdup:
      return "strdup";
    case AllocKind::Strndup:
      return "strndup";
    default:
      return "?";
  }
}

void InitTracker() {
  RegisterHooks({
      {"malloc", reinterpret_cast<void*>(&lp_malloc), true},
      {"calloc", reinterpret_cast<void*>(&lp_calloc), true},
      {"realloc", reinterpret_cast<void*>(&lp_realloc), true},
      {"reallocarray", reinterpret_cast<void*>(&lp_reallocarray), true},
      {"free", reinterpret_cast<void*>(&lp_free), true},
      {"posix_memalign", reinterpret_cast<void*>(&lp_posix_memalign), true},
      {"aligned_alloc", reinterpret_cast<void*>(&lp_aligned_alloc), true},
      {"memalign", reinterpret_cast<void*>(&lp_memalign), true},
      {"valloc", reinterpret_cast<void*>(&lp_valloc), true},
      {"pvalloc", reinterpret_cast<void*>(&lp_pvalloc), true},
      {"strdup", reinterpret_cast<void*>(&lp_strdup), true},
      {"strndup", reinterpret_cast<void*>(&lp_strndup), true},
      {"dlopen", reinterpret_cast<void*>(&lp_dlopen), false},
  });
  // The tracker's own code range: its frames (the hooks) are left out of allocation stacks.
  Dl_info info;
  link_map* map = nullptr;
  if (dladdr1(reinterpret_cast<void*>(&lp_malloc), &info, reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP) && map) {
    struct Range {
      uintptr_t bias, begin, end;
    } range{map->l_addr, UINTPTR_MAX, 0};
    dl_iterate_phdr(
        [](dl_phdr_info* object, size_t, void* data) -> int {
          auto* r = static_cast<Range*>(data);
          if (object->dlpi_addr != r->bias) return 0;
          for (int i = 0; i < object->dlpi_phnum; i++) {
            const auto& ph = object->dlpi_phdr[i];
            if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
            r->begin = std::min<uintptr_t>(r->begin, object->dlpi_addr + ph.p_vaddr);
            r->end = std::max<uintptr_t>(r->end, object->dlpi_addr + ph.p_vaddr + ph.p_memsz);
          }
          return 1;
        },
        &range);
    if (range.begin < range.end) SetSelfRange(range.begin, range.end);
  }
}

bool StartTracking(const StartOptions& options, std::string* error) {
  LockGuard guard(lifecycle);
  if (active.load()) {
    *error = "native tracking is already running in this process: stop() it first";
    return false;
  }
  Busy busy_guard;
  if (!table.Init(4096) || !stacks.Init(1 << 17)) {
    *error = "could not map memory for the allocation tables (mmap failed)";
    return false;
  }
  table.Clear();
  stack_depth = std::max(0, std::min(options.stack_depth, kMaxDepth));
  for (int k = 0; k < static_cast<int>(AllocKind::Count); k++) {
    StackKey key{};
    key.kind = static_cast<AllocKind>(k);
    kind_only_stack[k] = stacks.Intern(key);
  }
  use_memo = options.stack_memo;
  InitStackMemos();
  if (stack_depth > 0) {
    // The first unwind may initialise the unwinder's caches: do it here, not inside a hook.
    StackKey key{};
    uintptr_t slots[kMaxDepth];
    CaptureStack(&key, slots, stack_depth);
  }
  // Hooks may fire as soon as the first slot is written: be active before installing.
  active.store(true);
  if (!InstallHooks(options.policy, error)) {
    active.store(false);
    return false;
  }
  return true;
}

bool StopTracking() {
  LockGuard guard(lifecycle);
  if (!active.load()) return false;
  Busy busy_guard;
  UninstallHooks();
  // Hooks still running on other threads, or called through a saved function pointer, now pass
  // straight through. The table keeps its contents until the next start() so survivors stay readable.
  active.store(false);
  return true;
}

bool IsTracking() { return active.load(); }

uint32_t Mark() { return epoch.fetch_add(1) + 1; }

Counters ReadCounters() {
  Busy guard;
  return Counters{table.Totals(), epoch.load(), stacks.Count(), stacks.Full()};
}

std::vector<SurvivorSite> SurvivorsSince(uint32_t since) {
  Busy guard;
  std::unordered_map<uint32_t, SurvivorSite> sites;
  // Allocating while a shard lock is held cannot deadlock: libc's malloc never calls back into
  // the tracker, and a signal handler that interrupts us passes through (busy is set).
  sites.reserve(256);
  table.ForEach([&](const Allocation& a) {
    if (a.epoch < since) return;
    SurvivorSite& site = sites[a.stack];
    site.stack = a.stack;
    site.count++;
    site.bytes += a.size;
  });
  std::vector<SurvivorSite> result;
  result.reserve(sites.size());
  for (auto& entry : sites) result.push_back(entry.second);
  std::sort(result.begin(), result.end(), [](const SurvivorSite& a, const SurvivorSite& b) {
    return a.bytes != b.bytes ? a.bytes > b.bytes : a.stack < b.stack;
  });
  return result;
}

bool SiteStack(uint32_t stack, StackKey* out) { return stacks.Get(stack, out); }

}  // namespace leakproof

#endif  // LEAKPROOF_SUPPORTED
