#include "support.h"
#if LEAKPROOF_SUPPORTED

#include "symbolize.h"

#include <cxxabi.h>
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace leakproof {

namespace {

struct FunctionSymbol {
  uintptr_t begin;
  uintptr_t end;
  std::string name;
};

// Local (static, hidden) functions are not in the dynamic symbol table that dladdr reads: an
// addon built with -fvisibility=hidden would show only `???`. The on-disk .symtab has them all.
using SymbolList = std::vector<FunctionSymbol>;

SymbolList ReadSymtab(const std::string& path) {
  SymbolList symbols;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return symbols;
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(sizeof(ElfW(Ehdr)))) {
    close(fd);
    return symbols;
  }
  size_t size = static_cast<size_t>(st.st_size);
  void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED) return symbols;
  const auto* bytes = static_cast<const unsigned char*>(map);
  const auto* ehdr = static_cast<const ElfW(Ehdr)*>(map);
  auto in_file = [&](uint64_t offset, uint64_t length) { return offset <= size && length <= size - offset; };
  bool ok = memcmp(ehdr->e_ident, ELFMAG, SELFMAG) == 0 && ehdr->e_ident[EI_CLASS] == ELFCLASS64 &&
            ehdr->e_shentsize == sizeof(ElfW(Shdr)) &&
            in_file(ehdr->e_shoff, uint64_t(ehdr->e_shnum) * sizeof(ElfW(Shdr)));
  if (ok) {
    const auto* sections = reinterpret_cast<const ElfW(Shdr)*>(bytes + ehdr->e_shoff);
    for (int i = 0; i < ehdr->e_shnum; i++) {
      const ElfW(Shdr)& sh = sections[i];
      if (sh.sh_type != SHT_SYMTAB || sh.sh_link >= ehdr->e_shnum || sh.sh_entsize != sizeof(ElfW(Sym))) continue;
      const ElfW(Shdr)& strings = sections[sh.sh_link];
      if (!in_file(sh.sh_offset, sh.sh_size) || !in_file(strings.sh_offset, strings.sh_size)) continue;
      const auto* syms = reinterpret_cast<const ElfW(Sym)*>(bytes + sh.sh_offset);
      const char* names = reinterpret_cast<const char*>(bytes + strings.sh_offset);
      for (size_t j = 0; j < sh.sh_size / sizeof(ElfW(Sym)); j++) {
        const ElfW(Sym)& sym = syms[j];
        int type = ELF64_ST_TYPE(sym.st_info);
        if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_value == 0 || sym.st_shndx == SHN_UNDEF) continue;
        if (sym.st_name >= strings.sh_size) continue;
        const char* name = names + sym.st_name;
        size_t length = strnlen(name, strings.sh_size - sym.st_name);
        symbols.push_back({sym.st_value, sym.st_value + std::max<uint64_t>(sym.st_size, 1), std::string(name, length)});
      }
    }
  }
  munmap(map, size);
  std::sort(symbols.begin(), symbols.end(),
            [](const FunctionSymbol& a, const FunctionSymbol& b) { return a.begin < b.begin; });
  return symbols;
}

std::string Demangle(const char* name) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || !demangled) return name;
  std::string result(demangled);
  free(demangled);
  return result;
}

std::mutex cache_mutex;
std::map<std::string, SymbolList> symtabs;    // by object path
std::map<uintptr_t, SymbolizedFrame> frames;  // by return address

}  // namespace

SymbolizedFrame Symbolize(uintptr_t return_address) {
  std::lock_guard<std::mutex> lock(cache_mutex);
  auto cached = frames.find(return_address);
  if (cached != frames.end()) return cached->second;
  SymbolizedFrame frame;
  frame.address = return_address;
  uintptr_t pc = return_address - 1;
  Dl_info info;
  link_map* map = nullptr;
  if (dladdr1(reinterpret_cast<void*>(pc), &info, reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP) && map) {
    frame.path = info.dli_fname ? info.dli_fname : "";
    if (frame.path.empty() || map->l_name == nullptr || map->l_name[0] == '\0') {
      char exe[4096];
      ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
      if (n > 0 && (frame.path.empty() || map->l_addr == 0)) frame.path.assign(exe, static_cast<size_t>(n));
    }
    frame.offset = pc - map->l_addr;
    if (info.dli_sname && info.dli_saddr) {
      frame.function = Demangle(info.dli_sname);
    } else if (!frame.path.empty()) {
      auto it = symtabs.find(frame.path);
      if (it == symtabs.end()) it = symtabs.emplace(frame.path, ReadSymtab(frame.path)).first;
      const SymbolList& list = it->second;
      auto after = std::upper_bound(list.begin(), list.end(), frame.offset,
                                    [](uintptr_t value, const FunctionSymbol& s) { return value < s.begin; });
      if (after != list.begin()) {
        const FunctionSymbol& candidate = *(after - 1);
        if (frame.offset < candidate.end) frame.function = Demangle(candidate.name.c_str());
      }
    }
  }
  frames.emplace(return_address, frame);
  return frame;
}

}  // namespace leakproof

#endif  // LEAKPROOF_SUPPORTED
