// The tracker's state machine: start (install hooks), mark epochs, read survivors, stop.
#pragma once

#include <string>
#include <vector>

#include "got.h"
#include "stacks.h"
#include "table.h"

namespace leakproof {

struct StartOptions {
  int stack_depth = 8;     // 0: counting only, every allocation's site is just its allocator
  bool stack_memo = true;  // reuse a stack when the same path allocates again (stacks.h)
  PatchPolicy policy;
};

struct SurvivorSite {
  uint32_t stack;
  uint64_t count = 0;
  uint64_t bytes = 0;
};

struct Counters {
  TableTotals table;
  uint32_t epoch;
  uint32_t stacks;
  uint64_t stacks_dropped;
};

// Registers the hooks and finds the tracker's own code range; once, when the addon loads.
void InitTracker();
bool StartTracking(const StartOptions& options, std::string* error);
// Restores the GOT; false when it was not running (a second stop is harmless).
bool StopTracking();
bool IsTracking();
uint32_t Mark();
Counters ReadCounters();
// Live allocations made at or after `epoch`, grouped by site, largest first.
std::vector<SurvivorSite> SurvivorsSince(uint32_t epoch);
bool SiteStack(uint32_t stack, StackKey* out);

}  // namespace leakproof
