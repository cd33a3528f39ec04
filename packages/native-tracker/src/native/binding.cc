// The JavaScript face of the tracker (see ../index.ts for the documented API).
#include <napi.h>

#include "support.h"

#if LEAKPROOF_SUPPORTED
#include <gnu/libc-version.h>

#include "symbolize.h"
#include "tracker.h"

namespace leakproof {
namespace {

Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  StartOptions options;
  if (info.Length() > 0 && info[0].IsObject()) {
    Napi::Object o = info[0].As<Napi::Object>();
    if (o.Has("stackDepth") && o.Get("stackDepth").IsNumber())
      options.stack_depth = o.Get("stackDepth").As<Napi::Number>().Int32Value();
    if (o.Has("stackMemo")) options.stack_memo = o.Get("stackMemo").ToBoolean();
    if (o.Has("skipExecutableDeps")) options.policy.skip_executable_deps = o.Get("skipExecutableDeps").ToBoolean();
    if (o.Has("skip") && o.Get("skip").IsArray()) {
      Napi::Array skip = o.Get("skip").As<Napi::Array>();
      for (uint32_t i = 0; i < skip.Length(); i++) {
        Napi::Value v = skip.Get(i);
        if (v.IsString()) options.policy.skip.push_back(v.As<Napi::String>().Utf8Value());
      }
    }
  }
  std::string error;
  if (!StartTracking(options, &error)) throw Napi::Error::New(env, "leakproof native tracker: " + error);
  return env.Undefined();
}

Napi::Value Stop(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), StopTracking()); }

Napi::Value IsRunning(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), IsTracking()); }

Napi::Value MarkEpoch(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), Mark()); }

Napi::Value ReadCountersJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Counters c = ReadCounters();
  Napi::Object o = Napi::Object::New(env);
  o.Set("liveBytes", Napi::Number::New(env, double(c.table.live_bytes)));
  o.Set("liveBlocks", Napi::Number::New(env, double(c.table.live_blocks)));
  o.Set("totalAllocs", Napi::Number::New(env, double(c.table.allocs)));
  o.Set("totalFrees", Napi::Number::New(env, double(c.table.frees)));
  o.Set("ignoredFrees", Napi::Number::New(env, double(c.table.ignored_frees)));
  o.Set("dropped", Napi::Number::New(env, double(c.table.dropped)));
  o.Set("sites", Napi::Number::New(env, c.stacks));
  o.Set("sitesDropped", Napi::Number::New(env, double(c.stacks_dropped)));
  o.Set("epoch", Napi::Number::New(env, c.epoch));
  return o;
}

Napi::Object FrameObject(Napi::Env env, const SymbolizedFrame& frame) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("function", frame.function.empty() ? env.Null() : Napi::String::New(env, frame.function));
  o.Set("path", frame.path.empty() ? env.Null() : Napi::String::New(env, frame.path));
  o.Set("offset", Napi::Number::New(env, double(frame.offset)));
  o.Set("address", Napi::Number::New(env, double(frame.address)));
  return o;
}

Napi::Value Survivors(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t since = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Uint32Value() : 0;
  std::vector<SurvivorSite> sites = SurvivorsSince(since);
  Napi::Array result = Napi::Array::New(env, sites.size());
  for (size_t i = 0; i < sites.size(); i++) {
    const SurvivorSite& site = sites[i];
    Napi::Object o = Napi::Object::New(env);
    StackKey key{};
    bool known = SiteStack(site.stack, &key);
    o.Set("allocator", Napi::String::New(env, known ? KindName(key.kind) : "unknown"));
    o.Set("count", Napi::Number::New(env, double(site.count)));
    o.Set("bytes", Napi::Number::New(env, double(site.bytes)));
    Napi::Array frames = Napi::Array::New(env, known ? key.depth : 0);
    for (int f = 0; known && f < key.depth; f++) frames.Set(uint32_t(f), FrameObject(env, Symbolize(key.frames[f])));
    o.Set("frames", frames);
    result.Set(uint32_t(i), o);
  }
  return result;
}

Napi::Value Objects(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<ObjectReport> report = LastScan();
  Napi::Array result = Napi::Array::New(env, report.size());
  for (size_t i = 0; i < report.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("path", report[i].path);
    o.Set("tracked", report[i].tracked);
    o.Set("reason", report[i].reason);
    o.Set("hookedSlots", report[i].hooked_slots);
    result.Set(uint32_t(i), o);
  }
  return result;
}

Napi::Value Slots(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "slotsOf(pathSubstring: string)");
  std::vector<SlotReport> slots = SlotsOf(info[0].As<Napi::String>().Utf8Value());
  Napi::Array result = Napi::Array::New(env, slots.size());
  for (size_t i = 0; i < slots.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("symbol", slots[i].symbol);
    o.Set("hooked", slots[i].hooked);
    result.Set(uint32_t(i), o);
  }
  return result;
}

}  // namespace
}  // namespace leakproof

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace leakproof;
  // Process-wide: the GOT is per process, so a second load (another Jest context, a worker
  // thread) shares the same state and must not register again.
  static bool initialised = false;
  if (!initialised) {
    InitTracker();
    initialised = true;
  }
  exports.Set("supported", Napi::Boolean::New(env, true));
  exports.Set("glibcVersion", Napi::String::New(env, gnu_get_libc_version()));
  exports.Set("start", Napi::Function::New(env, Start, "start"));
  exports.Set("stop", Napi::Function::New(env, Stop, "stop"));
  exports.Set("isRunning", Napi::Function::New(env, IsRunning, "isRunning"));
  exports.Set("mark", Napi::Function::New(env, MarkEpoch, "mark"));
  exports.Set("counters", Napi::Function::New(env, ReadCountersJs, "counters"));
  exports.Set("survivorsSince", Napi::Function::New(env, Survivors, "survivorsSince"));
  exports.Set("objects", Napi::Function::New(env, Objects, "objects"));
  exports.Set("slotsOf", Napi::Function::New(env, Slots, "slotsOf"));
  return exports;
}

#else  // !LEAKPROOF_SUPPORTED

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("supported", Napi::Boolean::New(env, false));
  exports.Set("unsupportedReason", Napi::String::New(env,
                                                     "native allocation tracking needs Linux on x86_64 with glibc (GOT "
                                                     "patching); this build is for another platform or libc"));
  return exports;
}

#endif

NODE_API_MODULE(leakproof_native_tracker, Init)
