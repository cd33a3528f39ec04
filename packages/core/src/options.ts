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
   * frame's `function (object)` (e.g. `libsasl2.so`, `sasl_client_init`); or a RegExp.
   */
  nativeSuppressions?: Array<string | RegExp>;
}

export type NativeMode = 'auto' | 'required' | 'off';
export const NATIVE_MODES: readonly NativeMode[] = ['auto', 'required', 'off'];

export type ResolvedLeakOptions = Required<LeakOptions>;

export const DEFAULT_TIMEOUT_MS = 4000;

interface IntRule {
  min: number;
  max: number;
}
const INT_RULES: Record<'warmup' | 'rounds' | 'callsPerRound' | 'maxCallsPerRound' | 'timeout' | 'samplingInterval', IntRule> = {
  warmup: { min: 0, max: 1_000_000 },
  rounds: { min: 3, max: 50 },
  callsPerRound: { min: 1, max: 1_000_000 },
  maxCallsPerRound: { min: 1, max: 1_000_000 },
  timeout: { min: 100, max: 3_600_000 },
  samplingInterval: { min: 8, max: 1_048_576 },
};
const BOOLEAN_KEYS = ['explain', 'handles'] as const;
const KNOWN_KEYS = new Set<string>([...Object.keys(INT_RULES), ...BOOLEAN_KEYS, 'ignore', 'native', 'nativeSuppressions']);

/** Thrown for invalid options: the message names the option, the value and the valid range. */
export class LeakOptionsError extends Error {
  override name = 'LeakOptionsError';
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (value === null || typeof value !== 'object') return String(value);
  // JSON.stringify shows a Promise as "{}"; the tag also works for Promises of another realm.
  if (Object.prototype.toString.call(value) === '[object Promise]') return 'a Promise';
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Validates options at the boundary. `extraKeys` are options the caller handles itself
 * (e.g. `toLeak`'s expectation), accepted here but not resolved.
 */
export function resolveLeakOptions(
  input: unknown,
  defaults: { timeout?: number } = {},
  extraKeys: readonly string[] = [],
): ResolvedLeakOptions {
  if (input === undefined) input = {};
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new LeakOptionsError(`leakproof: options must be an object such as { rounds: 5 }, got ${describeValue(input)}`);
  }
  const given = input as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!KNOWN_KEYS.has(key) && !extraKeys.includes(key)) {
      const valid = [...KNOWN_KEYS, ...extraKeys].sort().join(', ');
      throw new LeakOptionsError(`leakproof: unknown option "${key}". Valid options: ${valid}`);
    }
  }
  for (const [key, rule] of Object.entries(INT_RULES)) {
    const value = given[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < rule.min || value > rule.max) {
      throw new LeakOptionsError(
        `leakproof: option "${key}" must be an integer from ${rule.min} to ${rule.max}, got ${describeValue(value)}`,
      );
    }
  }
  for (const key of BOOLEAN_KEYS) {
    if (given[key] !== undefined && typeof given[key] !== 'boolean') {
      throw new LeakOptionsError(`leakproof: option "${key}" must be true or false, got ${describeValue(given[key])}`);
    }
  }
  const ignore = patternList(given, 'ignore');
  const nativeSuppressions = patternList(given, 'nativeSuppressions');
  const native = given.native ?? 'auto';
  if (!NATIVE_MODES.includes(native as NativeMode)) {
    throw new LeakOptionsError(
      `leakproof: option "native" must be one of ${NATIVE_MODES.map((m) => `"${m}"`).join(', ')}, got ${describeValue(native)}`,
    );
  }
  const callsPerRound = (given.callsPerRound as number | undefined) ?? 16;
  const maxCallsPerRound = (given.maxCallsPerRound as number | undefined) ?? Math.max(256, callsPerRound);
  if (maxCallsPerRound < callsPerRound) {
    throw new LeakOptionsError(
      `leakproof: option "maxCallsPerRound" (${maxCallsPerRound}) must be at least "callsPerRound" (${callsPerRound})`,
    );
  }
  return {
    warmup: (given.warmup as number | undefined) ?? callsPerRound,
    rounds: (given.rounds as number | undefined) ?? 5,
    callsPerRound,
    maxCallsPerRound,
    timeout: (given.timeout as number | undefined) ?? defaults.timeout ?? DEFAULT_TIMEOUT_MS,
    samplingInterval: (given.samplingInterval as number | undefined) ?? 8,
    ignore,
    native: native as NativeMode,
    nativeSuppressions,
    explain: (given.explain as boolean | undefined) ?? true,
    handles: (given.handles as boolean | undefined) ?? true,
  };
}

function patternList(given: Record<string, unknown>, key: 'ignore' | 'nativeSuppressions'): Array<string | RegExp> {
  const list = given[key] ?? [];
  if (!Array.isArray(list) || !list.every((p) => typeof p === 'string' || p instanceof RegExp || isRegExpLike(p))) {
    throw new LeakOptionsError(`leakproof: option "${key}" must be an array of strings or regular expressions, got ${describeValue(list)}`);
  }
  return list as Array<string | RegExp>;
}

/** RegExps made in Jest's test realm fail `instanceof RegExp` here. */
function isRegExpLike(value: unknown): value is RegExp {
  return Object.prototype.toString.call(value) === '[object RegExp]';
}
