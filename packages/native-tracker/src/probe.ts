import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import type { NativeLiveSite, NativeProbe } from '@leakproof/core';
import {
  isNativeTrackingRunning,
  markNative,
  nativeCounters,
  nativeSurvivorsSince,
  nativeTrackingStatus,
  startNativeTracking,
} from './tracker';

/** The probe the engine consumes, or why native memory cannot be measured here. */
export type NativeProbeAccess = { probe: NativeProbe } | { unavailable: string };

/** Deep enough to get from libldap's allocator wrappers up to the addon function that called them. */
export const PROBE_STACK_DEPTH = 12;

let access: { probe: NativeProbe } | undefined;

/**
 * The process's native tracker as @leakproof/core's NativeProbe, started on first use (GOT hooks
 * are per process; addons loaded later are hooked when dlopen'ed). The one way in for the Jest
 * environment and the matchers alike. When tracking cannot run here: the reason, never a throw.
 */
export function nativeProbe(): NativeProbeAccess {
  // Someone else may stop the process-wide tracker (the tracker's own tests do): start it again.
  if (access && isNativeTrackingRunning()) return access;
  const status = nativeTrackingStatus();
  if (!status.available) return { unavailable: status.reason };
  try {
    if (!isNativeTrackingRunning()) startNativeTracking({ stackDepth: PROBE_STACK_DEPTH });
  } catch (error) {
    return { unavailable: `the native tracker could not start: ${(error as Error).message}` };
  }
  access = {
    probe: {
      mark: markNative,
      // Paths and absolute addresses differ per machine: sites are named by function and object.
      survivorsSince: (epoch) =>
        nativeSurvivorsSince(epoch).map((s): NativeLiveSite => ({
          allocator: s.allocator,
          count: s.count,
          bytes: s.bytes,
          stack: framesAboveNode(s.frames).map((f) => ({ lang: 'native', function: f.function, object: f.object, offset: f.offset })),
        })),
      liveBytes: () => nativeCounters().liveBytes,
    },
  };
  return access;
}

/**
 * The frames of the addon and the libraries it called, up to where Node (N-API, V8, JIT code)
 * called into it: what is above is the same for every addon, and V8's path into a native
 * function differs between interpreted and optimised callers, which would split one site in two.
 */
function framesAboveNode<F extends { path: string | null }>(frames: F[]): F[] {
  const nodeAt = frames.findIndex((f) => f.path === null || f.path === process.execPath || /\/libnode\.so/.test(f.path));
  return nodeAt === -1 ? frames : frames.slice(0, nodeAt);
}

const OWN_ADDON = /leakproof_native_tracker\.node$/;

/**
 * Packages whose addons belong to test runners and build tools, not to the project under test: a
 * resolver (Jest 30's unrs-resolver, oxc-resolver), transformers and bundlers (swc, esbuild,
 * lightningcss, rollup), file watchers (@parcel/watcher, fsevents) and monorepo tools (nx). Matched
 * on the package directory right after the last `node_modules/` of an addon's path.
 */
export const TOOLING_PACKAGES: readonly RegExp[] = [
  /^unrs-resolver$/,
  /^@unrs\//,
  /^oxc-resolver$/,
  /^@oxc-resolver\//,
  /^@swc\//,
  /^esbuild$/,
  /^@esbuild\//,
  /^lightningcss(-|$)/,
  /^@rollup\//,
  /^@parcel\/watcher(-|$)/,
  /^fsevents$/,
  /^nx$/,
  /^@nx\//,
];

/** What was loaded before the test file ran: the runner's and its tooling's addons. */
export interface AddonSnapshot {
  /** Real paths of the native addons mapped into the process then. */
  loaded: string[];
  /** How many `.node` requires `watchAddonRequires()` had seen then; undefined when it is not watching. */
  requires?: number;
}

/** Real paths of the native addons (`*.node`) mapped into this process now, other than leakproof's own. */
export function loadedAddonPaths(): string[] {
  let objects: string[];
  try {
    objects = fs
      .readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .map((line) => line.split(/\s+/)[5] ?? '');
  } catch {
    // macOS, Windows: Node's diagnostic report lists the shared objects (a few milliseconds).
    const report = process.report?.getReport() as { sharedObjects?: string[] } | undefined;
    objects = report?.sharedObjects ?? [];
  }
  return [...new Set(objects.filter((o) => o.endsWith('.node') && !OWN_ADDON.test(o)))];
}

/** Native addons loaded in this process, other than leakproof's own, by file name. */
export function loadedAddons(): string[] {
  return loadedAddonPaths().map((o) => path.basename(o));
}

/** `.node` files required in this process since `watchAddonRequires()`, in order, by real path. */
const addonRequires: string[] = [];
let watchingRequires = false;

/**
 * Keeps a log of every `require` of a `.node` file from now on. An addon is dlopen'ed once per
 * process: when a second test file in the same worker requires it, nothing new is mapped, and
 * only the require says that this file uses it too. For the host of the tests (the environment),
 * once per process, in Node's own module system (not from inside a test's module registry).
 */
export function watchAddonRequires(): void {
  if (watchingRequires) return;
  watchingRequires = true;
  type Load = (request: unknown, parent: unknown, isMain: boolean) => unknown;
  const loader = Module as unknown as { _load: Load };
  const load = loader._load;
  loader._load = function (this: unknown, request, parent, isMain) {
    const exports = load.call(this, request, parent, isMain);
    if (typeof request === 'string' && request.endsWith('.node')) {
      try {
        addonRequires.push(fs.realpathSync(path.isAbsolute(request) ? request : Module.createRequire(parentFile(parent)).resolve(request)));
      } catch {
        // Loaded, yet not resolvable again here: mapped anyway, so /proc/self/maps has it.
      }
    }
    return exports;
  };
}

function parentFile(parent: unknown): string {
  return (parent as { filename?: string } | undefined)?.filename ?? path.join(process.cwd(), 'index.js');
}

/** Taken by a host before the test file runs; `projectAddons` later tells the test's addons from these. */
export function addonSnapshot(): AddonSnapshot {
  return { loaded: loadedAddonPaths(), requires: watchingRequires ? addonRequires.length : undefined };
}

/**
 * The rule for what native code is the project's, when native tracking cannot run: addons the
 * test file loaded or required since `before` was taken, other than those of runners and tools
 * (TOOLING_PACKAGES). What was loaded before the file ran is the runner's (Jest 30's resolver, a
 * transformer's swc) and has no leaks the tests could make. Real paths, in load order.
 */
export function projectAddons(before: AddonSnapshot): string[] {
  const earlier = new Set(before.loaded);
  const required = before.requires === undefined ? [] : addonRequires.slice(before.requires);
  const candidates = [...loadedAddonPaths().filter((p) => !earlier.has(p)), ...required];
  return [...new Set(candidates)].filter((p) => !OWN_ADDON.test(p) && !isToolingAddon(p));
}

/** Whether an addon's path is inside a package of TOOLING_PACKAGES. */
export function isToolingAddon(addonPath: string): boolean {
  const parts = addonPath.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at === -1) return false;
  const name = parts[at + 1]?.startsWith('@') ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1];
  return name !== undefined && TOOLING_PACKAGES.some((pattern) => pattern.test(name));
}
