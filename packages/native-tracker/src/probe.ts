import * as fs from 'node:fs';
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
 * Native addons (`*.node`) loaded in this process, other than leakproof's own: when tracking is
 * off and one is loaded, a native leak would go unseen, and the check says so instead of passing.
 */
export function loadedAddons(): string[] {
  let objects: string[];
  try {
    objects = fs
      .readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .map((line) => line.split(/\s+/)[5] ?? '');
  } catch {
    const report = process.report?.getReport() as { sharedObjects?: string[] } | undefined;
    objects = report?.sharedObjects ?? [];
  }
  return [...new Set(objects.filter((o) => o.endsWith('.node') && !OWN_ADDON.test(o)))].map((o) => path.basename(o));
}
