// In-process hooking by GOT/PLT patching (memray's approach): a shared object calls malloc through
// a slot in its global offset table; pointing that slot at a hook redirects that object's calls,
// and only that object's, with no LD_PRELOAD and no restart.
#pragma once

#include <string>
#include <vector>

namespace leakproof {

struct HookSpec {
  const char* symbol;
  void* hook;
  // Allocator hooks go only into tracked objects. dlopen goes into every object (node itself
  // included), because node's own dlopen is the one that loads addons from `require`.
  bool allocator;
};

struct PatchPolicy {
  // Objects whose path contains one of these substrings get no allocator hooks.
  std::vector<std::string> skip;
  // Also skip every library the executable was linked against (recursively): a node built with
  // shared libraries (libnode, libuv, openssl, icu) keeps its own churn out this way.
  bool skip_executable_deps = true;
};

struct ObjectReport {
  std::string path;
  bool tracked = false;
  std::string reason;  // why it is (not) tracked
  int hooked_slots = 0;
};

struct SlotReport {
  std::string symbol;
  bool hooked;
};

// The hooks this process can install; called once when the addon loads.
void RegisterHooks(const std::vector<HookSpec>& hooks);
// Patches every loaded object; then again after each dlopen (idempotent). The report lists every
// object seen in the last scan. Thread-safe; returns false with a reason when nothing can be done.
bool InstallHooks(const PatchPolicy& policy, std::string* error);
// Rescans after a dlopen; a no-op unless hooks are installed.
void RescanAfterDlopen();
// Restores every patched slot of objects still loaded (an unloaded object's slots are gone with it).
void UninstallHooks();
std::vector<ObjectReport> LastScan();
// The hookable slots of the first object whose path contains `needle` (tests: patched, restored).
std::vector<SlotReport> SlotsOf(const std::string& needle);

}  // namespace leakproof
