import * as path from 'node:path';
import { boolAt, intAt, knownKeys, objectAt, stringsAt } from '@leakproof/core/validate';
import { availability, NATIVE_TRACKER_ENV, runtimeGlibcVersion } from './availability';
import { loadBinding, type NativeBinding } from './binding';
import type { NativeCounters, NativeObject, NativeSurvivorSite, NativeTrackerOptions, NativeTrackingStatus } from './types';

/**
 * Objects that never get allocator hooks, by path substring: the C and C++ runtimes and the
 * loader. Their allocations are made for everyone (V8, libuv, stdio), and patching libc's own
 * GOT would also see its internal calls. The executable itself is always skipped, and so (by
 * default) is everything it was linked against. Addons and what they load are tracked.
 */
export const DEFAULT_SKIP_OBJECTS: readonly string[] = [
  '/libc.so',
  '/ld-linux',
  '/libm.so',
  '/libgcc_s.so',
  '/libstdc++.so',
  '/libpthread.so',
  '/libdl.so',
  '/librt.so',
  '/libnode.so',
  // Allocators and checkers that replace malloc themselves (valgrind's preload, sanitizers).
  '/vgpreload_',
  '/libasan.so',
  '/libtsan.so',
  '/liblsan.so',
];

export class NativeTrackingUnavailableError extends Error {
  override name = 'NativeTrackingUnavailableError';
}

let cachedStatus: NativeTrackingStatus | undefined;

/** Whether native tracking works in this process; when not, `reason` says why. Never throws. */
export function nativeTrackingStatus(): NativeTrackingStatus {
  if (!cachedStatus) {
    const optOut = process.env[NATIVE_TRACKER_ENV];
    if (optOut === 'off' || process.platform !== 'linux' || process.arch !== 'x64') {
      // Not loaded at all when turned off: as on a machine where it could not be built.
      cachedStatus = availability({ optOut, platform: process.platform, arch: process.arch, glibcVersion: undefined });
    } else {
      const loaded = loadBinding();
      const addon = 'binding' in loaded ? loaded.binding : undefined;
      cachedStatus = availability({
        platform: process.platform,
        arch: process.arch,
        // Only asked of Node when the addon cannot say: the diagnostic report takes milliseconds.
        glibcVersion: addon?.glibcVersion ?? runtimeGlibcVersion(),
        loadError: 'error' in loaded ? loaded.error : undefined,
        addon,
      });
    }
  }
  return cachedStatus;
}

function binding(): NativeBinding {
  const status = nativeTrackingStatus();
  if (!status.available) throw new NativeTrackingUnavailableError(`leakproof: native allocation tracking is off: ${status.reason}`);
  return (loadBinding() as { binding: NativeBinding }).binding;
}

export interface StartReport {
  /** Objects whose allocations are tracked now (later dlopens add more). */
  tracked: string[];
}

/**
 * Installs the hooks in every loaded object that passes the skip rules, and in every object
 * loaded later. One tracker per process (the GOT is per process): throws if already running, or
 * NativeTrackingUnavailableError when tracking cannot work here.
 */
export function startNativeTracking(options: NativeTrackerOptions = {}): StartReport {
  const resolved = resolveTrackerOptions(options);
  const native = binding();
  native.start(resolved);
  return {
    tracked: native
      .objects()
      .filter((o) => o.tracked)
      .map((o) => o.path),
  };
}

/** Checked before anything is patched: the addon would coerce a wrong value silently. */
function resolveTrackerOptions(options: unknown): Required<NativeTrackerOptions> {
  const given = objectAt(options, 'options');
  knownKeys(given, ['stackDepth', 'stackMemo', 'skip', 'skipExecutableDeps'], 'options');
  return {
    stackDepth: intAt(given.stackDepth, 'options.stackDepth', { min: 0, max: 16, default: 8 }),
    stackMemo: boolAt(given.stackMemo, 'options.stackMemo', { default: true }),
    skip: stringsAt(given.skip, 'options.skip', { items: 'path substrings', default: [...DEFAULT_SKIP_OBJECTS] }),
    skipExecutableDeps: boolAt(given.skipExecutableDeps, 'options.skipExecutableDeps', { default: true }),
  };
}

/** Restores every patched GOT slot. Returns false when tracking was not running (harmless). */
export function stopNativeTracking(): boolean {
  const status = nativeTrackingStatus();
  return status.available ? binding().stop() : false;
}

export function isNativeTrackingRunning(): boolean {
  return nativeTrackingStatus().available && binding().isRunning();
}

/** Starts a new epoch and returns it: `nativeSurvivorsSince(epoch)` reads what is allocated from now on. */
export function markNative(): number {
  return binding().mark();
}

export function nativeCounters(): NativeCounters {
  return binding().counters();
}

/** Every loaded object seen by the last scan (start or dlopen), tracked or not and why. */
export function nativeObjects(): NativeObject[] {
  return binding().objects();
}

/**
 * Allocations made at or after `epoch` (from `markNative()`) and still live, grouped by site,
 * largest first. Sites are merged by symbolized frames (function and object), so that the
 * same call made from two return addresses of one function (an unrolled loop) is one site.
 */
export function nativeSurvivorsSince(epoch: number): NativeSurvivorSite[] {
  const raw = binding().survivorsSince(epoch);
  const merged = new Map<string, NativeSurvivorSite>();
  for (const site of raw) {
    const frames = site.frames.map((f) => ({ ...f, object: f.path ? path.basename(f.path) : null }));
    const key = [site.allocator, ...frames.map((f) => (f.function ? `${f.function}@${f.object}` : `${f.object}+${f.offset}`))].join('\n');
    const existing = merged.get(key);
    if (existing) {
      existing.count += site.count;
      existing.bytes += site.bytes;
    } else {
      merged.set(key, { allocator: site.allocator, count: site.count, bytes: site.bytes, frames });
    }
  }
  return [...merged.values()].sort((a, b) => b.bytes - a.bytes || b.count - a.count);
}

/** Test support: the hookable GOT slots of the first loaded object whose path contains `needle`. */
export function hookedSlotsOf(needle: string): Array<{ symbol: string; hooked: boolean }> {
  return binding().slotsOf(needle);
}
