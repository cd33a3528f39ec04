import { matchesAny } from './options';
import type { NativeFrameRef } from './types';

/** Live native allocations of one site (allocator + call stack), as a native probe reports them. */
export interface NativeSite {
  allocator: string;
  /** Innermost first, starting at the caller of the allocator. */
  frames: NativeFrameRef[];
  count: number;
  bytes: number;
}

/**
 * What the engine needs from a native allocation tracker: epochs and survivors by epoch. Core
 * does not load the tracker itself (it is a native addon, optional on some platforms); the
 * adapters (matchers, environment) pass one in.
 */
export interface NativeProbe {
  /** Starts a new epoch and returns it: allocations from now on carry it. */
  mark(): number;
  /** Allocations made at or after `epoch` and still live, by site. */
  survivorsSince(epoch: number): NativeSite[];
  /** Live tracked bytes: settling waits for it to stop moving (finalizers free native memory late). */
  liveBytes(): number;
}

/** Survivors of one native site, per window between consecutive epochs. */
export interface NativeSiteSurvivors {
  allocator: string;
  frames: NativeFrameRef[];
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
          frames: site.frames,
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

function indexByKey(sites: NativeSite[]): Map<string, NativeSite> {
  const byKey = new Map<string, NativeSite>();
  for (const site of sites) {
    const key = nativeSiteKey(site);
    const existing = byKey.get(key);
    if (existing) byKey.set(key, { ...existing, count: existing.count + site.count, bytes: existing.bytes + site.bytes });
    else byKey.set(key, site);
  }
  return byKey;
}

export function nativeSiteKey(site: { allocator: string; frames: NativeFrameRef[] }): string {
  return [site.allocator, ...site.frames.map(frameText)].join(' <- ');
}

/** `lookup (corpus.node)`, `??? (libldap.so.2+0x1f00)`, `0x...` for code outside any object. */
export function frameText(frame: NativeFrameRef): string {
  const fn = frame.function === null ? null : shortFunctionName(frame.function);
  if (!frame.object) return fn ?? `0x${frame.offset.toString(16)}`;
  return fn ? `${fn} (${frame.object})` : `??? (${frame.object}+0x${frame.offset.toString(16)})`;
}

/**
 * A demangled C++ name as a reader scans it: `LeakMalloc` for
 * `(anonymous namespace)::LeakMalloc(Napi::CallbackInfo const&)`, template arguments as `<...>`.
 */
export function shortFunctionName(name: string): string {
  let short = name.replace(/\(anonymous namespace\)::/g, '');
  // The parameter list: from the '(' matching the last ')' (qualifiers such as `const` after it).
  const tail = /\)\s*(const|volatile|&|&&|\s)*$/.exec(short);
  if (tail) {
    let depth = 0;
    for (let i = tail.index; i >= 0; i--) {
      if (short[i] === ')') depth++;
      else if (short[i] === '(' && --depth === 0) {
        if (i > 0) short = short.slice(0, i);
        break;
      }
    }
  }
  // Template arguments, innermost first.
  while (/<[^<>]*>/.test(short)) short = short.replace(/<[^<>]*>/g, '\u0000');
  return short.replace(/\u0000/g, '<...>').trim() || name;
}

/**
 * The function a native leak is named after: the innermost frame in an addon (`*.node`), the
 * code the user owns; else the innermost named frame (a library's), else the allocator.
 */
export function nativeOwnerFrame(frames: NativeFrameRef[]): NativeFrameRef | undefined {
  return frames.find((f) => f.function && f.object?.endsWith('.node')) ?? frames.find((f) => f.function);
}

export function nativeSiteName(site: { allocator: string; frames: NativeFrameRef[] }): string {
  const owner = nativeOwnerFrame(site.frames);
  return owner ? frameText(owner) : `${site.allocator} (no stack)`;
}

/** Suppressions match a frame's `function (object)` text (substring or RegExp), valgrind-style: any frame. */
export function isSuppressed(site: { allocator: string; frames: NativeFrameRef[] }, suppressions: Array<string | RegExp>): boolean {
  if (suppressions.length === 0) return false;
  return site.frames.some((f) => matchesAny(frameText(f), suppressions));
}
