import { boolAt, intAt, knownKeys, objectAt, oneOf, resolveLeakOptions, stringsAt, type LeakOptions } from '@leakproof/core';

export type CheckMode = 'fail' | 'warn' | 'off';

/** `testEnvironmentOptions: { leakproof: { ... } }`, also settable per file with a docblock. */
export interface EnvironmentOptions {
  /** Default mode of every check. Default `fail`. */
  mode?: CheckMode;
  handles?: {
    mode?: CheckMode;
    /** How long a test's handles may take to close after it ends. Default 100 ms. */
    graceMs?: number;
    /** Resource types (`Timeout`, `TCPServerWrap`; the async_hooks spelling `TCPSERVERWRAP` too) or substrings of the creation stack to ignore. */
    ignore?: string[];
    /** Also report unref()'d handles (they do not keep the process alive). Default false. */
    includeUnref?: boolean;
  };
  heap?: {
    mode?: CheckMode;
    /** A test whose allocations still alive at the end of the file exceed this fails. Default 1 MiB. */
    failAboveBytes?: number;
    /** ...and above this it gets a warning. Default 128 KiB. */
    warnAboveBytes?: number;
    /** Sampling interval of the per-test heap check in bytes. Default 4096. */
    samplingInterval?: number;
    /** Substrings of allocation sites to ignore. */
    ignore?: string[];
  };
  /** Native blocks (malloc family, in addons and their libraries) a test left allocated. */
  native?: {
    mode?: CheckMode;
    /** A test whose native blocks still live at the end of the file exceed this fails. Default 256 KiB. */
    failAboveBytes?: number;
    /** ...and above this it gets a warning. Default 32 KiB (libldap's one-time SASL init is ~22 KB). */
    warnAboveBytes?: number;
    /** Substrings of a frame's function or shared object to leave out, like valgrind suppressions. */
    suppressions?: string[];
  };
  /** Defaults for toNotLeak / toLeak in this project (same keys as their options). */
  matchers?: LeakOptions;
}

export interface ResolvedEnvironmentOptions {
  handles: { mode: CheckMode; graceMs: number; ignore: string[]; includeUnref: boolean };
  heap: { mode: CheckMode; failAboveBytes: number; warnAboveBytes: number; samplingInterval: number; ignore: string[] };
  native: { mode: CheckMode; failAboveBytes: number; warnAboveBytes: number; suppressions: string[] };
  matchers: LeakOptions;
}

export const OPTIONS_KEY = 'leakproof';
const MODES: readonly CheckMode[] = ['fail', 'warn', 'off'];
const MAX_BYTES = 2 ** 40;

/** Deep-merges over defaults (Jest merges docblock options shallowly) and validates every key. */
export function resolveEnvironmentOptions(raw: unknown): ResolvedEnvironmentOptions {
  const where = `testEnvironmentOptions.${OPTIONS_KEY}`;
  const input = section(raw ?? {}, where, ['mode', 'handles', 'heap', 'native', 'matchers']);
  const mode = oneOf(input.mode, `${where}.mode`, MODES, { default: 'fail' });
  return {
    handles: handlesOptions(input.handles, `${where}.handles`, mode),
    heap: heapOptions(input.heap, `${where}.heap`, mode),
    native: nativeOptions(input.native, `${where}.native`, mode),
    matchers: matcherDefaults(input.matchers, `${where}.matchers`),
  };
}

/** An optional object of known keys. */
function section(value: unknown, where: string, keys: string[]): Record<string, unknown> {
  const object = objectAt(value, where, { default: {} });
  knownKeys(object, keys, where);
  return object;
}

function handlesOptions(value: unknown, where: string, mode: CheckMode): ResolvedEnvironmentOptions['handles'] {
  const handles = section(value, where, ['mode', 'graceMs', 'ignore', 'includeUnref']);
  return {
    mode: oneOf(handles.mode, `${where}.mode`, MODES, { default: mode }),
    graceMs: intAt(handles.graceMs, `${where}.graceMs`, { min: 0, max: 60_000, default: 100 }),
    ignore: stringsAt(handles.ignore, `${where}.ignore`, { default: [] }),
    includeUnref: boolAt(handles.includeUnref, `${where}.includeUnref`, { default: false }),
  };
}

function heapOptions(value: unknown, where: string, mode: CheckMode): ResolvedEnvironmentOptions['heap'] {
  const heap = section(value, where, ['mode', 'failAboveBytes', 'warnAboveBytes', 'samplingInterval', 'ignore']);
  const failAboveBytes = intAt(heap.failAboveBytes, `${where}.failAboveBytes`, { min: 0, max: MAX_BYTES, default: 1024 * 1024 });
  return {
    mode: oneOf(heap.mode, `${where}.mode`, MODES, { default: mode }),
    failAboveBytes,
    warnAboveBytes: intAt(heap.warnAboveBytes, `${where}.warnAboveBytes`, {
      min: 0,
      max: MAX_BYTES,
      default: Math.min(128 * 1024, failAboveBytes),
    }),
    // 4 KB: a 128 KiB warning is ~32 samples; smaller intervals cost more than they tell here.
    samplingInterval: intAt(heap.samplingInterval, `${where}.samplingInterval`, { min: 64, max: 1024 * 1024, default: 4096 }),
    ignore: stringsAt(heap.ignore, `${where}.ignore`, { default: [] }),
  };
}

function nativeOptions(value: unknown, where: string, mode: CheckMode): ResolvedEnvironmentOptions['native'] {
  const native = section(value, where, ['mode', 'failAboveBytes', 'warnAboveBytes', 'suppressions']);
  const failAboveBytes = intAt(native.failAboveBytes, `${where}.failAboveBytes`, { min: 0, max: MAX_BYTES, default: 256 * 1024 });
  return {
    mode: oneOf(native.mode, `${where}.mode`, MODES, { default: mode }),
    failAboveBytes,
    warnAboveBytes: intAt(native.warnAboveBytes, `${where}.warnAboveBytes`, {
      min: 0,
      max: MAX_BYTES,
      default: Math.min(32 * 1024, failAboveBytes),
    }),
    suppressions: stringsAt(native.suppressions, `${where}.suppressions`, { default: [] }),
  };
}

/** Validated here, so a bad default fails the file at once; resolved by each matcher call. */
function matcherDefaults(value: unknown, where: string): LeakOptions {
  resolveLeakOptions(value, {}, [], where);
  return (value ?? {}) as LeakOptions;
}
