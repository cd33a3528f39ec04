import { boolAt, intAt, knownKeys, objectAt, oneOf, OptionsError, optionsError, patternsAt, type Range } from './validate';

/** Options of one leak measurement (`toNotLeak`, `toLeak`, `measureLeaks`). */
export interface LeakOptions {
  /** Calls before measuring, so lazy init, caches and JIT settle. Default: callsPerRound. */
  warmup?: number;
  /** Measured rounds; a leak must leave survivors in every one. Default 5, range 3..50. */
  rounds?: number;
  /** Calls per round in the first run. Default 16. */
  callsPerRound?: number;
  /** Escalation cap: suspicious sites are re-measured with 4x the calls up to this. Default 256. */
  maxCallsPerRound?: number;
  /**
   * Before a leak is reported, fn is called this many more times after the measured rounds (time
   * permitting) and the rounds' survivors must still be alive: a bound (a cache of up to this many
   * entries, a pool) evicts them. Default 10000.
   */
  horizonCalls?: number;
  /** ...and this long must have passed since the rounds: what a timer releases later is not a leak. Default 1000 ms. */
  horizonMs?: number;
  /** Give up with an error after this many ms. Default: 80% of Jest's testTimeout, else 4000. */
  timeout?: number;
  /** Sampling heap profiler interval in bytes: smaller sees smaller leaks, costs more. Default 8. */
  samplingInterval?: number;
  /** Leave out sites, constructors or handle types matching any entry. */
  ignore?: Array<string | RegExp>;
  /** Take a heap snapshot when a leak is confirmed, for constructor, retainer path and site. Default true. */
  explain?: boolean;
  /** Also count handles (timers, sockets...) left open per call. Default true. */
  handles?: boolean;
  /**
   * Native allocations (malloc family, in addons and the libraries they load):
   * `auto` (default) tracks them where the tracker works, and fails the check when it cannot
   * while a native addon is loaded; `required` fails whenever it cannot; `off` measures JS only.
   */
  native?: NativeMode;
  /**
   * Native sites to leave out, like valgrind suppressions: a string matches a substring of any
   * frame's function (its full or short C++ name) or shared object (e.g. `libsasl2.so`,
   * `sasl_client_init`); a RegExp is tested on each of them.
   */
  nativeSuppressions?: Array<string | RegExp>;
}

export type NativeMode = 'auto' | 'required' | 'off';
export const NATIVE_MODES: readonly NativeMode[] = ['auto', 'required', 'off'];

export type ResolvedLeakOptions = Required<LeakOptions> & {
  /** Calls per round and warm-up were not given: they may be lowered to fit a slow fn in the timeout. */
  adaptive: boolean;
};

export const DEFAULT_TIMEOUT_MS = 4000;

type IntOption = 'warmup' | 'rounds' | 'callsPerRound' | 'maxCallsPerRound' | 'horizonCalls' | 'horizonMs' | 'timeout' | 'samplingInterval';
const INT_RULES: Record<IntOption, Range> = {
  warmup: { min: 0, max: 1_000_000 },
  rounds: { min: 3, max: 50 },
  callsPerRound: { min: 1, max: 1_000_000 },
  maxCallsPerRound: { min: 1, max: 1_000_000 },
  horizonCalls: { min: 0, max: 10_000_000 },
  horizonMs: { min: 0, max: 600_000 },
  timeout: { min: 100, max: 3_600_000 },
  samplingInterval: { min: 8, max: 1_048_576 },
};
const KNOWN_KEYS = [...Object.keys(INT_RULES), 'explain', 'handles', 'ignore', 'native', 'nativeSuppressions'];

/** The former name of OptionsError, kept for code that imports it. */
export const LeakOptionsError = OptionsError;
export type LeakOptionsError = OptionsError;

/**
 * Validates options at the boundary. `extraKeys` are options the caller handles itself
 * (e.g. `toLeak`'s expectation), accepted here but not resolved. `path` is where the options
 * were written, for messages (`testEnvironmentOptions.leakproof.matchers`).
 */
export function resolveLeakOptions(
  input: unknown,
  defaults: { timeout?: number } = {},
  extraKeys: readonly string[] = [],
  path = 'options',
): ResolvedLeakOptions {
  const given = objectAt(input, path, { default: {}, example: '{ rounds: 5 }' });
  knownKeys(given, [...KNOWN_KEYS, ...extraKeys].sort(), path);
  const int = (key: keyof typeof INT_RULES, fallback: number) =>
    intAt(given[key], `${path}.${key}`, { ...INT_RULES[key], default: fallback });
  const callsPerRound = int('callsPerRound', 16);
  const resolved: ResolvedLeakOptions = {
    warmup: int('warmup', callsPerRound),
    rounds: int('rounds', 5),
    callsPerRound,
    maxCallsPerRound: int('maxCallsPerRound', Math.max(256, callsPerRound)),
    horizonCalls: int('horizonCalls', 10_000),
    horizonMs: int('horizonMs', 1000),
    timeout: int('timeout', defaults.timeout ?? DEFAULT_TIMEOUT_MS),
    samplingInterval: int('samplingInterval', 8),
    ignore: patternsAt(given.ignore, `${path}.ignore`, { default: [] }),
    native: oneOf(given.native, `${path}.native`, NATIVE_MODES, { default: 'auto' }),
    nativeSuppressions: patternsAt(given.nativeSuppressions, `${path}.nativeSuppressions`, { default: [] }),
    explain: boolAt(given.explain, `${path}.explain`, { default: true }),
    handles: boolAt(given.handles, `${path}.handles`, { default: true }),
    adaptive: given.callsPerRound === undefined && given.warmup === undefined && given.rounds === undefined,
  };
  if (resolved.maxCallsPerRound < callsPerRound) {
    throw optionsError(`${path}.maxCallsPerRound`, `at least ${path}.callsPerRound (${callsPerRound})`, resolved.maxCallsPerRound);
  }
  return resolved;
}
