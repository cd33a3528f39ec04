// Turns a return address into `function (object+0xoffset)`. Only survivors are symbolized, when
// they are read, so the cost (dladdr, reading .symtab from disk, demangling) is paid once per site.
#pragma once

#include <cstdint>
#include <string>

namespace leakproof {

struct SymbolizedFrame {
  uintptr_t address = 0;
  std::string function;  // demangled; empty when unknown
  std::string path;      // the shared object; empty for code outside any object (JIT)
  uintptr_t offset = 0;  // link-time address in `path` (what addr2line takes)
};

// `return_address` is what the unwinder saw; the call instruction is one byte before it.
SymbolizedFrame Symbolize(uintptr_t return_address);

}  // namespace leakproof
