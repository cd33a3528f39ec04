#include "support.h"
#if LEAKPROOF_SUPPORTED

#include "got.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <mutex>
#include <set>

namespace leakproof {

namespace {

// One loaded object as dl_iterate_phdr shows it, with what its dynamic section says.
struct ObjectView {
  std::string path;
  uintptr_t bias = 0;
  uintptr_t lowest = 0;
  uintptr_t highest = 0;
  uintptr_t relro_begin = 0;
  uintptr_t relro_end = 0;
  const ElfW(Phdr) * phdr = nullptr;
  size_t phnum = 0;
  const ElfW(Sym) * symtab = nullptr;
  const char* strtab = nullptr;
  size_t strsz = 0;
  const ElfW(Rela) * rela = nullptr;
  size_t relasz = 0;
  const ElfW(Rela) * jmprel = nullptr;
  size_t pltrelsz = 0;
  const char* soname = nullptr;
  std::vector<const char*> needed;
  bool is_executable = false;
  bool is_vdso = false;

  bool Contains(uintptr_t address, size_t bytes) const { return address >= lowest && address + bytes <= highest; }
};

struct Patch {
  uintptr_t slot;
  uintptr_t original;
  uintptr_t hook;
  uintptr_t bias;
  std::string path;
};

std::mutex state_mutex;  // scans, installs and uninstalls never overlap
bool installed = false;
std::vector<HookSpec> active_hooks;
PatchPolicy active_policy;
std::vector<Patch> patches;
std::vector<ObjectReport> last_scan;
uintptr_t self_bias = 0;
bool self_known = false;
const size_t page_size = static_cast<size_t>(sysconf(_SC_PAGESIZE));

std::string ExecutablePath() {
  char buffer[4096];
  ssize_t n = readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string("(executable)");
}

// Fills `view` from a dl_iterate_phdr entry. Returns false for objects it cannot read safely.
bool Describe(const dl_phdr_info* info, bool first, ObjectView* view) {
  view->bias = info->dlpi_addr;
  view->phdr = info->dlpi_phdr;
  view->phnum = info->dlpi_phnum;
  const char* name = info->dlpi_name ? info->dlpi_name : "";
  view->is_executable = first && name[0] == '\0';
  view->is_vdso = strstr(name, "linux-vdso") != nullptr || strstr(name, "linux-gate") != nullptr;
  view->path = view->is_executable ? ExecutablePath() : std::string(name);
  const ElfW(Dyn)* dynamic = nullptr;
  bool any_load = false;
  for (size_t i = 0; i < view->phnum; i++) {
    const ElfW(Phdr)& ph = view->phdr[i];
    uintptr_t begin = view->bias + ph.p_vaddr;
    if (ph.p_type == PT_LOAD) {
      if (!any_load || begin < view->lowest) view->lowest = begin;
      if (!any_load || begin + ph.p_memsz > view->highest) view->highest = begin + ph.p_memsz;
      any_load = true;
    } else if (ph.p_type == PT_DYNAMIC) {
      dynamic = reinterpret_cast<const ElfW(Dyn)*>(begin);
    } else if (ph.p_type == PT_GNU_RELRO) {
      // ld.so protects whole pages: from the start page to the page the segment ends in.
      view->relro_begin = begin & ~(page_size - 1);
      view->relro_end = (begin + ph.p_memsz) & ~(page_size - 1);
    }
  }
  if (!any_load || !dynamic) return false;
  // glibc relocates the d_ptr values of a loaded object in place; the vdso's are left as
  // link-time addresses. Anything below the load bias is therefore still unrelocated.
  auto pointer = [&](ElfW(Addr) value) -> uintptr_t { return value < view->bias ? value + view->bias : value; };
  std::vector<size_t> needed_offsets;
  size_t soname_offset = SIZE_MAX;
  for (const ElfW(Dyn)* d = dynamic; d->d_tag != DT_NULL; d++) {
    switch (d->d_tag) {
      case DT_SYMTAB:
        view->symtab = reinterpret_cast<const ElfW(Sym)*>(pointer(d->d_un.d_ptr));
        break;
      case DT_STRTAB:
        view->strtab = reinterpret_cast<const char*>(pointer(d->d_un.d_ptr));
        break;
      case DT_STRSZ:
        view->strsz = d->d_un.d_val;
        break;
      case DT_RELA:
        view->rela = reinterpret_cast<const ElfW(Rela)*>(pointer(d->d_un.d_ptr));
        break;
      case DT_RELASZ:
        view->relasz = d->d_un.d_val;
        break;
      case DT_JMPREL:
        view->jmprel = reinterpret_cast<const ElfW(Rela)*>(pointer(d->d_un.d_ptr));
        break;
      case DT_PLTRELSZ:
        view->pltrelsz = d->d_un.d_val;
        break;
      case DT_PLTREL:
        if (d->d_un.d_val != DT_RELA) view->jmprel = nullptr, view->pltrelsz = 0;  // x86_64 uses RELA only
        break;
      case DT_NEEDED:
        needed_offsets.push_back(d->d_un.d_val);
        break;
      case DT_SONAME:
        soname_offset = d->d_un.d_val;
        break;
      default:
        break;
    }
  }
  // Never follow a pointer outside the object's own mapping: a malformed object is skipped, not a crash.
  if (!view->strtab || !view->Contains(reinterpret_cast<uintptr_t>(view->strtab), view->strsz)) {
    view->strtab = nullptr;
    view->symtab = nullptr;
    return false;
  }
  if (view->symtab && !view->Contains(reinterpret_cast<uintptr_t>(view->symtab), sizeof(ElfW(Sym))))
    view->symtab = nullptr;
  if (view->rela && !view->Contains(reinterpret_cast<uintptr_t>(view->rela), view->relasz)) view->rela = nullptr;
  if (view->jmprel && !view->Contains(reinterpret_cast<uintptr_t>(view->jmprel), view->pltrelsz))
    view->jmprel = nullptr;
  for (size_t offset : needed_offsets) {
    if (offset < view->strsz) view->needed.push_back(view->strtab + offset);
  }
  if (soname_offset < view->strsz) view->soname = view->strtab + soname_offset;
  return true;
}

template <typename Fn>
void ForEachObject(Fn fn) {
  struct Context {
    Fn* fn;
    bool first;
  } context{&fn, true};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) -> int {
        auto* ctx = static_cast<Context*>(data);
        ObjectView view;
        bool readable = Describe(info, ctx->first, &view);
        ctx->first = false;
        (*ctx->fn)(view, readable);
        return 0;
      },
      &context);
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Sonames of the executable's link-time dependencies, transitively.
std::set<std::string> ExecutableDependencies() {
  struct Known {
    std::string soname;
    std::string basename;
    std::vector<std::string> needed;
    bool executable;
  };
  std::vector<Known> objects;
  ForEachObject([&](const ObjectView& view, bool readable) {
    if (!readable) return;
    Known known{view.soname ? view.soname : "", Basename(view.path), {}, view.is_executable};
    for (const char* n : view.needed) known.needed.emplace_back(n);
    objects.push_back(std::move(known));
  });
  std::set<std::string> closure;
  for (const auto& o : objects) {
    if (o.executable) closure.insert(o.needed.begin(), o.needed.end());
  }
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& o : objects) {
      if (!closure.count(o.soname) && !closure.count(o.basename)) continue;
      for (const auto& n : o.needed) grew |= closure.insert(n).second;
    }
  }
  return closure;
}

int ProtectionAt(const ObjectView& view, uintptr_t address) {
  if (address >= view.relro_begin && address < view.relro_end) return PROT_READ;
  for (size_t i = 0; i < view.phnum; i++) {
    const ElfW(Phdr)& ph = view.phdr[i];
    uintptr_t begin = view.bias + ph.p_vaddr;
    if (ph.p_type != PT_LOAD || address < begin || address >= begin + ph.p_memsz) continue;
    return ((ph.p_flags & PF_R) ? PROT_READ : 0) | ((ph.p_flags & PF_W) ? PROT_WRITE : 0) |
           ((ph.p_flags & PF_X) ? PROT_EXEC : 0);
  }
  return -1;
}

// Writes one GOT slot, making a RELRO (read-only after relocation) page writable for the write.
bool WriteSlot(const ObjectView& view, uintptr_t slot, uintptr_t value) {
  int protection = ProtectionAt(view, slot);
  if (protection < 0) return false;
  uintptr_t page = slot & ~(page_size - 1);
  bool read_only = !(protection & PROT_WRITE);
  if (read_only && mprotect(reinterpret_cast<void*>(page), page_size, PROT_READ | PROT_WRITE) != 0) return false;
  __atomic_store_n(reinterpret_cast<uintptr_t*>(slot), value, __ATOMIC_RELEASE);
  if (read_only) mprotect(reinterpret_cast<void*>(page), page_size, protection);
  return true;
}

// Calls fn(slot, symbol name, defined-here) for each JUMP_SLOT / GLOB_DAT relocation of the object.
template <typename Fn>
void ForEachSymbolSlot(const ObjectView& view, Fn fn) {
  if (!view.symtab || !view.strtab) return;
  auto walk = [&](const ElfW(Rela) * table, size_t bytes) {
    if (!table) return;
    for (size_t i = 0; i < bytes / sizeof(ElfW(Rela)); i++) {
      const ElfW(Rela)& r = table[i];
      unsigned type = ELF64_R_TYPE(r.r_info);
      if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) continue;
      size_t index = ELF64_R_SYM(r.r_info);
      const ElfW(Sym)* sym = view.symtab + index;
      if (!view.Contains(reinterpret_cast<uintptr_t>(sym), sizeof(*sym)) || sym->st_name >= view.strsz) continue;
      uintptr_t slot = view.bias + r.r_offset;
      if (!view.Contains(slot, sizeof(uintptr_t))) continue;
      fn(slot, view.strtab + sym->st_name, sym->st_shndx != SHN_UNDEF);
    }
  };
  walk(view.jmprel, view.pltrelsz);
  walk(view.rela, view.relasz);
}

const HookSpec* FindHook(const char* symbol) {
  for (const auto& spec : active_hooks) {
    if (strcmp(spec.symbol, symbol) == 0) return &spec;
  }
  return nullptr;
}

// Decides whether an object gets allocator hooks; `reason` says why (shown by objects()).
bool ShouldTrack(const ObjectView& view, const std::set<std::string>& executable_deps, std::string* reason) {
  if (view.is_executable) return *reason = "the executable (node itself)", false;
  if (view.is_vdso) return *reason = "vdso", false;
  if (self_known && view.bias == self_bias) return *reason = "the tracker itself", false;
  for (const auto& needle : active_policy.skip) {
    if (!needle.empty() && view.path.find(needle) != std::string::npos) return *reason = "skip list: " + needle, false;
  }
  if (active_policy.skip_executable_deps) {
    std::string base = Basename(view.path);
    if (executable_deps.count(base) || (view.soname && executable_deps.count(view.soname))) {
      return *reason = "linked by the executable", false;
    }
  }
  *reason = "tracked";
  return true;
}

// One pass over all loaded objects; caller holds state_mutex.
void Scan() {
  std::set<std::string> deps = active_policy.skip_executable_deps ? ExecutableDependencies() : std::set<std::string>{};
  std::vector<ObjectReport> report;
  ForEachObject([&](const ObjectView& view, bool readable) {
    ObjectReport entry;
    entry.path = view.path;
    if (!readable) {
      entry.reason = view.is_vdso ? "vdso" : "no dynamic section";
      report.push_back(std::move(entry));
      return;
    }
    entry.tracked = ShouldTrack(view, deps, &entry.reason);
    bool defines_allocator = false;
    ForEachSymbolSlot(view, [&](uintptr_t slot, const char* symbol, bool defined_here) {
      const HookSpec* spec = FindHook(symbol);
      if (!spec) return;
      if (spec->allocator && !entry.tracked) return;
      if (self_known && view.bias == self_bias) return;  // the hooks call the real functions through these
      if (defined_here && spec->allocator) {
        // An object with its own malloc (a bundled jemalloc) must keep calling it, never libc's.
        defines_allocator = true;
        return;
      }
      uintptr_t hook = reinterpret_cast<uintptr_t>(spec->hook);
      uintptr_t current = __atomic_load_n(reinterpret_cast<uintptr_t*>(slot), __ATOMIC_ACQUIRE);
      if (current == hook) {
        entry.hooked_slots++;
        return;
      }
      // A slot recorded earlier that no longer holds our hook belongs to an object that was
      // unloaded and replaced at the same address: forget the stale record.
      for (auto it = patches.begin(); it != patches.end(); ++it) {
        if (it->slot == slot) {
          patches.erase(it);
          break;
        }
      }
      if (!WriteSlot(view, slot, hook)) return;
      patches.push_back(Patch{slot, current, hook, view.bias, view.path});
      entry.hooked_slots++;
    });
    if (defines_allocator) entry.reason += " (defines its own allocator: those symbols left alone)";
    report.push_back(std::move(entry));
  });
  last_scan = std::move(report);
}

void LocateSelf() {
  if (self_known) return;
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&LocateSelf), &info) && info.dli_fbase) {
    uintptr_t base = reinterpret_cast<uintptr_t>(info.dli_fbase);
    ForEachObject([&](const ObjectView& view, bool) {
      if (base >= view.lowest && base < view.highest) {
        self_bias = view.bias;
        self_known = true;
      }
    });
  }
}

}  // namespace

void RegisterHooks(const std::vector<HookSpec>& hooks) {
  std::lock_guard<std::mutex> lock(state_mutex);
  active_hooks = hooks;
}

bool InstallHooks(const PatchPolicy& policy, std::string* error) {
  std::lock_guard<std::mutex> lock(state_mutex);
  if (installed) {
    *error = "hooks are already installed";
    return false;
  }
  LocateSelf();
  if (!self_known) {
    *error = "the tracker could not find its own shared object (dladdr failed)";
    return false;
  }
  active_policy = policy;
  installed = true;
  Scan();
  return true;
}

void RescanAfterDlopen() {
  std::lock_guard<std::mutex> lock(state_mutex);
  if (installed) Scan();
}

void UninstallHooks() {
  std::lock_guard<std::mutex> lock(state_mutex);
  if (!installed) return;
  installed = false;
  ForEachObject([&](const ObjectView& view, bool readable) {
    if (!readable) return;
    for (auto& patch : patches) {
      if (patch.bias != view.bias || patch.path != view.path) continue;
      uintptr_t current = __atomic_load_n(reinterpret_cast<uintptr_t*>(patch.slot), __ATOMIC_ACQUIRE);
      // Someone else re-patched it after us (another tool): leave their value alone.
      if (current == patch.hook) WriteSlot(view, patch.slot, patch.original);
    }
  });
  patches.clear();
}

std::vector<ObjectReport> LastScan() {
  std::lock_guard<std::mutex> lock(state_mutex);
  return last_scan;
}

std::vector<SlotReport> SlotsOf(const std::string& needle) {
  std::lock_guard<std::mutex> lock(state_mutex);
  std::vector<SlotReport> slots;
  bool found = false;
  ForEachObject([&](const ObjectView& view, bool readable) {
    if (found || !readable || view.path.find(needle) == std::string::npos) return;
    found = true;
    ForEachSymbolSlot(view, [&](uintptr_t slot, const char* symbol, bool) {
      const HookSpec* spec = nullptr;
      for (const auto& s : active_hooks) {
        if (strcmp(s.symbol, symbol) == 0) spec = &s;
      }
      uintptr_t current = __atomic_load_n(reinterpret_cast<uintptr_t*>(slot), __ATOMIC_ACQUIRE);
      bool hooked = false;
      for (const auto& s : active_hooks) hooked |= current == reinterpret_cast<uintptr_t>(s.hook);
      if (spec || hooked) slots.push_back(SlotReport{symbol, hooked});
    });
  });
  return slots;
}

}  // namespace leakproof

#endif  // LEAKPROOF_SUPPORTED
