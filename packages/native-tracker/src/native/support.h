// Where the tracker can work: GOT patching reads x86_64 relocations and relies on glibc's
// dl_iterate_phdr, dladdr1 and relocated dynamic sections. Elsewhere the addon says why it cannot.
#pragma once

#include <stdlib.h>  // defines __GLIBC__ on glibc

#if defined(__linux__) && defined(__x86_64__) && defined(__GLIBC__)
#define LEAKPROOF_SUPPORTED 1
#else
#define LEAKPROOF_SUPPORTED 0
#endif
