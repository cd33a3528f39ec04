import { shortFunctionName } from './format';
import { siteMatches, type Pattern } from './patterns';
import type { NativeSite } from './types';

/** Live native allocations of one stack (allocator + call stack), as a native probe reports them. */
export interface NativeLiveSite {
  allocator: string;
  /** Innermost first, starting at the caller of the allocator. */
  stack: NativeSite[];
  count: number;
  bytes: number;
}

/**
 * What the engine needs from a native allocation tracker: epochs and survivors by epoch. Core
 * does not load the tracker (a native addon, absent on some platforms); @leakproof/native-tracker
 * implements this, and the adapters pass it in.
 */
export interface NativeProbe {
  /** Starts a new epoch and returns it: allocations from now on carry it. */
  mark(): number;
  /** Allocations made at or after `epoch` and still live, by stack. */
  survivorsSince(epoch: number): NativeLiveSite[];
  /** Live tracked bytes: settling waits for it to stop moving (finalizers free native memory late). */
  liveBytes(): number;
}

/** Survivors of one native allocation stack, per window between consecutive epochs. */
export interface NativeSiteSurvivors {
  allocator: string;
  stack: NativeSite[];
  counts: number[];
  bytes: number[];
}

/**
 * Cuts survivors into windows: window i holds what was allocated between `epochs[i]` and
 * `epochs[i + 1]` and is still live. One read per boundary; the difference of two reads is the
 * window (allocations only ever leave a read, by being freed).
 */
export function nativeSurvivorsByWindow(probe: NativeProbe, epochs: number[]): NativeSiteSurvivors[] {
  const windows = epochs.length - 1;
  const reads = epochs.map((epoch) => indexByKey(probe.survivorsSince(epoch)));
  const sites = new Map<string, NativeSiteSurvivors>();
  for (let w = 0; w < windows; w++) {
    for (const [key, site] of reads[w]) {
      const later = reads[w + 1].get(key);
      const count = site.count - (later?.count ?? 0);
      const bytes = site.bytes - (later?.bytes ?? 0);
      if (count <= 0) continue;
      let entry = sites.get(key);
      if (!entry) {
        entry = {
          allocator: site.allocator,
          stack: site.stack,
          counts: new Array<number>(windows).fill(0),
          bytes: new Array<number>(windows).fill(0),
        };
        sites.set(key, entry);
      }
      entry.counts[w] = count;
      entry.bytes[w] = bytes;
    }
  }
  return [...sites.values()];
}

function indexByKey(sites: NativeLiveSite[]): Map<string, NativeLiveSite> {
  const byKey = new Map<string, NativeLiveSite>();
  for (const site of sites) {
    const key = nativeStackKey(site);
    const existing = byKey.get(key);
    if (existing) byKey.set(key, { ...existing, count: existing.count + site.count, bytes: existing.bytes + site.bytes });
    else byKey.set(key, site);
  }
  return byKey;
}

/**
 * Identity of an allocation stack: its allocator and what each frame reads as (frameIdentity), so
 * stacks a reader could not tell apart are one (a function's two malloc calls: one allocation line).
 */
export function nativeStackKey(site: { allocator: string; stack: NativeSite[] }): string {
  return JSON.stringify([site.allocator, ...site.stack.map(frameIdentity)]);
}

/**
 * A frame as a reader tells it from another (the fields nativeFrameText shows): a named frame is
 * its function (short C++ name) in its object, wherever in the function the call is; a frame
 * without a symbol is its offset in its object.
 */
function frameIdentity(frame: NativeSite): Array<string | number | null> {
  const fn = frame.function === null ? null : shortFunctionName(frame.function);
  if (!frame.object) return fn !== null ? ['fn', fn] : ['at', frame.offset];
  return fn ? ['fn', fn, frame.object] : ['at', frame.offset, frame.object];
}

/**
 * The function a native leak is named after: the innermost frame in an addon (`*.node`), the
 * code the user owns; else the innermost named frame (a library's). Undefined: no named frame.
 */
export function nativeOwnerFrame(stack: NativeSite[]): NativeSite | undefined {
  return stack.find((f) => f.function && f.object?.endsWith('.node')) ?? stack.find((f) => f.function);
}

/**
 * Identity of the owner (what findings are grouped by): its function (short C++ name, as the
 * finding names it) and object, or the allocator alone.
 */
export function nativeOwnerKey(site: { allocator: string; stack: NativeSite[] }): string {
  const owner = nativeOwnerFrame(site.stack);
  return JSON.stringify(owner ? frameIdentity(owner) : ['allocator', site.allocator]);
}

/** Suppressions name any frame's function or object, like valgrind suppressions. */
export function isSuppressed(site: { stack: NativeSite[] }, suppressions: Pattern[]): boolean {
  if (suppressions.length === 0) return false;
  return site.stack.some((f) => siteMatches(f, suppressions));
}
