import { describeValue, resolveLeakOptions, type LeakOptions } from '@leakproof/core';

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
    /** Substrings of a frame's `function (object)` to leave out, like valgrind suppressions. */
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
const MODES: readonly string[] = ['fail', 'warn', 'off'];

/** Deep-merges over defaults (Jest merges docblock options shallowly) and validates every key. */
export function resolveEnvironmentOptions(raw: unknown): ResolvedEnvironmentOptions {
  const where = `testEnvironmentOptions.${OPTIONS_KEY}`;
  const input = object(raw ?? {}, where);
  known(input, ['mode', 'handles', 'heap', 'native', 'matchers'], where);
  const mode = modeOf(input.mode, `${where}.mode`, 'fail');
  const handles = object(input.handles ?? {}, `${where}.handles`);
  known(handles, ['mode', 'graceMs', 'ignore', 'includeUnref'], `${where}.handles`);
  const heap = object(input.heap ?? {}, `${where}.heap`);
  known(heap, ['mode', 'failAboveBytes', 'warnAboveBytes', 'samplingInterval', 'ignore'], `${where}.heap`);
  const native = object(input.native ?? {}, `${where}.native`);
  known(native, ['mode', 'failAboveBytes', 'warnAboveBytes', 'suppressions'], `${where}.native`);
  const matchers = object(input.matchers ?? {}, `${where}.matchers`) as LeakOptions;
  try {
    resolveLeakOptions(matchers);
  } catch (error) {
    throw new Error(`leakproof: invalid ${where}.matchers: ${(error as Error).message.replace(/^leakproof: /, '')}`);
  }
  const failAboveBytes = int(heap.failAboveBytes, `${where}.heap.failAboveBytes`, 1024 * 1024, 0, 2 ** 40);
  const nativeFailAbove = int(native.failAboveBytes, `${where}.native.failAboveBytes`, 256 * 1024, 0, 2 ** 40);
  return {
    handles: {
      mode: modeOf(handles.mode, `${where}.handles.mode`, mode),
      graceMs: int(handles.graceMs, `${where}.handles.graceMs`, 100, 0, 60_000),
      ignore: strings(handles.ignore, `${where}.handles.ignore`),
      includeUnref: bool(handles.includeUnref, `${where}.handles.includeUnref`, false),
    },
    heap: {
      mode: modeOf(heap.mode, `${where}.heap.mode`, mode),
      failAboveBytes,
      warnAboveBytes: int(heap.warnAboveBytes, `${where}.heap.warnAboveBytes`, Math.min(128 * 1024, failAboveBytes), 0, 2 ** 40),
      // 4 KB: a 128 KiB warning is ~32 samples; smaller intervals cost more than they tell here.
      samplingInterval: int(heap.samplingInterval, `${where}.heap.samplingInterval`, 4096, 64, 1024 * 1024),
      ignore: strings(heap.ignore, `${where}.heap.ignore`),
    },
    native: {
      mode: modeOf(native.mode, `${where}.native.mode`, mode),
      failAboveBytes: nativeFailAbove,
      warnAboveBytes: int(native.warnAboveBytes, `${where}.native.warnAboveBytes`, Math.min(32 * 1024, nativeFailAbove), 0, 2 ** 40),
      suppressions: strings(native.suppressions, `${where}.native.suppressions`),
    },
    matchers,
  };
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`leakproof: ${where} must be an object, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

function known(value: Record<string, unknown>, keys: string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new Error(`leakproof: unknown option ${where}.${key}. Valid options: ${keys.join(', ')}`);
  }
}

function modeOf(value: unknown, where: string, fallback: CheckMode): CheckMode {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !MODES.includes(value)) {
    throw new Error(`leakproof: ${where} must be one of "fail", "warn", "off", got ${describeValue(value)}`);
  }
  return value as CheckMode;
}

function int(value: unknown, where: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`leakproof: ${where} must be an integer from ${min} to ${max}, got ${describeValue(value)}`);
  }
  return value;
}

function bool(value: unknown, where: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new Error(`leakproof: ${where} must be true or false, got ${describeValue(value)}`);
  return value;
}

function strings(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new Error(`leakproof: ${where} must be an array of strings, got ${describeValue(value)}`);
  }
  return value;
}
