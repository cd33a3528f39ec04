import {
  CallFailedError,
  describeValue,
  formatVerdict,
  formatCount,
  LeakOptionsError,
  measureLeaks,
  MeasurementTimeoutError,
  resolveLeakOptions,
  type LaterExplanation,
  type LeakFinding,
  type LeakOptions,
  type LeakVerdict,
  shortFunctionName,
  nativeFrameText,
  type NativeProbe,
  type ResolvedLeakOptions,
} from '@leakproof/core';
import { addonName, nativeProbe, projectAddons, type AddonSnapshot } from '@leakproof/native-tracker';
import { checkAt, isPattern, objectAt, oneOf, positiveAt } from '@leakproof/core';
import type { LeakCheckRecord } from '@leakproof/record';
import { getBridge, type LeakproofBridge } from './bridge';
import { fakeTimersEnabled } from './fake-timers';
import { JEST_KNOWN_SURVIVORS, JEST_RUNNER_HOLDERS } from './jest-internals';

/** What `toLeak` may additionally pin: which leak is expected. */
export interface LeakExpectation {
  /** Constructor name or handle type that must be among the findings (exact string or RegExp). */
  what?: string | RegExp;
  /** Family of the expected finding. */
  kind?: LeakFinding['kind'];
  /** Expected count per call of that finding (objects, handles or native blocks; within 25%). */
  perCall?: number;
  /** Expected bytes per call of that finding (within 25%): the natural unit of a native leak. */
  bytesPerCall?: number;
}

export type ToLeakOptions = LeakOptions & LeakExpectation;

export interface MatcherContext {
  isNot: boolean;
  utils: {
    matcherHint(name: string, received?: string, expected?: string, options?: object): string;
  };
}
export interface MatcherResult {
  pass: boolean;
  message(): string;
}

const EXPECTATION_KEYS = ['what', 'kind', 'perCall', 'bytesPerCall'] as const;

export function createMatchers(bridgeFor: () => LeakproofBridge = () => getBridge(), global: object = globalThis) {
  async function run(
    matcher: string,
    context: MatcherContext,
    received: unknown,
    options: unknown,
    extraKeys: readonly string[],
  ): Promise<{ verdict: LeakVerdict; later?: LaterExplanation }> {
    const hint = context.utils.matcherHint(matcher, 'fn', extraKeys.length ? 'expectation' : 'options', { isNot: context.isNot });
    if (typeof received !== 'function') {
      throw new Error(
        `${hint}\n\nleakproof: expect(fn) needs a function to call repeatedly, got ${describeValue(received)}.\nWrap the code under test: await expect(() => doWork()).${matcher}()`,
      );
    }
    const bridge = bridgeFor();
    let resolved;
    try {
      // Checked before the spread below, which would turn a Map or a class instance into `{}`.
      const given = objectAt(options, 'options', { example: '{ rounds: 5 }', default: {} });
      resolved = resolveLeakOptions({ ...bridge.defaults, ...given }, { timeout: bridge.defaultTimeout }, extraKeys);
    } catch (error) {
      if (error instanceof LeakOptionsError) throw new Error(`${hint}\n\n${error.message}`);
      throw error;
    }
    const native = nativeProbeFor(resolved.native, hint, bridge.addonsBeforeTests);
    await bridge.pauseTestChecks();
    try {
      let later: LaterExplanation | undefined;
      const verdict = await measureLeaks(received as () => unknown, resolved, {
        client: bridge.client,
        native: native.probe,
        knownSurvivors: JEST_KNOWN_SURVIVORS,
        runnerHolders: JEST_RUNNER_HOLDERS,
        explainLater: bridge.explainAfterTestFn ? (explain) => (later = explain) : undefined,
      });
      if (native.note) verdict.notes.push(native.note);
      return { verdict, later };
    } catch (error) {
      // The code under test failed: the test fails with its own error, not with a leak verdict.
      if (error instanceof CallFailedError) throw error.cause;
      if (!(error instanceof Error)) throw error;
      if (error instanceof MeasurementTimeoutError && fakeTimersEnabled(global)) {
        throw new Error(
          `${hint}\n\n${error.message}\nFake timers are enabled: a call waiting on a timer never settles. Call jest.useRealTimers() before measuring, or advance the timers inside fn.`,
        );
      }
      if (error instanceof MeasurementTimeoutError) throw new Error(`${hint}\n\n${error.message}`);
      throw error;
    } finally {
      bridge.resumeTestChecks();
    }
  }

  /** The assertion fails when its pass flag equals isNot (`.not` inverts it). Returns the record, to complete later. */
  function record(matcher: 'toNotLeak' | 'toLeak', context: MatcherContext, verdict: LeakVerdict, pass: boolean): LeakCheckRecord {
    const { findings, ...measurement } = verdict;
    const check: LeakCheckRecord = { source: matcher, outcome: pass === context.isNot ? 'failed' : 'passed', findings, measurement };
    bridgeFor().record?.(check);
    return check;
  }

  /** The explained verdict replaces the first one in the reporter's record too. */
  function completeRecord(check: LeakCheckRecord, verdict: LeakVerdict, failed: boolean): void {
    const { findings, ...measurement } = verdict;
    Object.assign(check, { findings, measurement, outcome: failed ? 'failed' : 'passed' });
  }

  function track<T>(promise: Promise<T>): Promise<T> {
    const { pending } = bridgeFor();
    pending.add(promise);
    const forget = () => pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  return {
    toNotLeak(this: MatcherContext, received: unknown, options?: LeakOptions): Promise<MatcherResult> {
      const callStack = new Error().stack;
      return track(
        (async () => {
          const { verdict, later } = await run('toNotLeak', this, received, options, []);
          const hint = this.utils.matcherHint('toNotLeak', 'fn', 'options', { isNot: this.isNot });
          const messageFor = (v: LeakVerdict) =>
            v.leaked
              ? `${hint}\n\nExpected fn not to leak, but it did:\n\n${formatVerdict(v)}`
              : `${hint}\n\nExpected fn to leak, but nothing grew in every round.\n\n${formatVerdict(v)}`;
          if (later && verdict.leaked && !this.isNot) {
            // Confirmed by the rounds but not yet explained: the snapshot, after the test function,
            // names the retainer or refutes the suspicion, so the assertion is decided there.
            const check = record('toNotLeak', this, verdict, true);
            bridgeFor().explainAfterTestFn!({
              message: messageFor(verdict),
              callStack,
              async explain(budgetMs) {
                const explained = await later(budgetMs);
                completeRecord(check, explained, explained.leaked);
                return { message: messageFor(explained), failed: explained.leaked };
              },
            });
            return { pass: true, message: () => messageFor(verdict) };
          }
          record('toNotLeak', this, verdict, !verdict.leaked);
          return { pass: !verdict.leaked, message: () => messageFor(verdict) };
        })(),
      );
    },

    toLeak(this: MatcherContext, received: unknown, expectation?: ToLeakOptions): Promise<MatcherResult> {
      const callStack = new Error().stack;
      return track(
        (async () => {
          validateExpectation(expectation);
          const { verdict, later } = await run('toLeak', this, received, expectation, EXPECTATION_KEYS);
          const hint = this.utils.matcherHint('toLeak', 'fn', 'expectation', { isNot: this.isNot });
          const wanted = describeExpectation(expectation);
          const passes = (v: LeakVerdict) => v.leaked && v.findings.some((f) => findingMatches(f, expectation));
          const messageFor = (v: LeakVerdict) => {
            if (passes(v)) return `${hint}\n\nExpected fn not to leak ${wanted}, but it did:\n\n${formatVerdict(v)}`;
            if (!v.leaked) return `${hint}\n\nExpected fn to leak ${wanted}, but nothing grew in every round.\n\n${formatVerdict(v)}`;
            return `${hint}\n\nExpected fn to leak ${wanted}; it leaked something else:\n\n${formatVerdict(v)}`;
          };
          if (later && verdict.leaked && !passes(verdict) && !this.isNot) {
            // The expected constructor may be named only by the snapshot: the assertion passes for
            // now and is decided after the test function, so the verdict never depends on machine speed.
            const check = record('toLeak', this, verdict, true);
            bridgeFor().explainAfterTestFn!({
              message: messageFor(verdict),
              callStack,
              async explain(budgetMs) {
                const explained = await later(budgetMs);
                const failed = !passes(explained);
                completeRecord(check, explained, failed);
                return { message: messageFor(explained), failed };
              },
            });
            return { pass: true, message: () => messageFor(verdict) };
          }
          const pass = passes(verdict);
          record('toLeak', this, verdict, pass);
          return { pass, message: () => messageFor(verdict) };
        })(),
      );
    },
  };
}

/**
 * The native tracker for one measurement, or why there is none. Never a silent pass: when it
 * cannot run and the measurement may depend on it (the test file loaded a native addon of its
 * own, by the rule of `projectAddons`), the matcher fails with the reason; `required` always does.
 */
function nativeProbeFor(
  mode: ResolvedLeakOptions['native'],
  hint: string,
  before: AddonSnapshot | undefined,
): { probe?: NativeProbe; note?: string } {
  if (mode === 'off') return {};
  const access = nativeProbe();
  if ('probe' in access) return access;
  const addons = mode === 'required' ? [] : projectAddons(before ?? { loaded: [] });
  if (mode === 'required' || addons.length > 0) {
    const why =
      mode === 'required'
        ? 'the option native: "required" asks for it'
        : `the code under test loaded native addons (${addons.map(addonName).join(', ')}) and their leaks would go unseen`;
    throw new Error(
      `${hint}\n\nleakproof: native allocation tracking is off: ${access.unavailable}; ${why}.\n` +
        'Fix the cause above, or pass { native: "off" } to measure JS objects and handles only.',
    );
  }
  return { note: `native allocations not tracked (${access.unavailable}); the code under test loaded no native addon of its own` };
}

function validateExpectation(expectation: ToLeakOptions | undefined): void {
  // Not an object at all: left to run(), whose message carries the matcher hint.
  if (expectation === undefined || expectation === null || typeof expectation !== 'object' || Array.isArray(expectation)) return;
  const given = objectAt(expectation, 'options', { example: '{ rounds: 5 }' });
  if (given.what !== undefined) checkAt(given.what, 'options.what', 'a constructor name or handle type (string or RegExp)', isPattern);
  if (given.kind !== undefined) oneOf(given.kind, 'options.kind', ['js-objects', 'native', 'handles']);
  if (given.perCall !== undefined) positiveAt(given.perCall, 'options.perCall');
  if (given.bytesPerCall !== undefined) positiveAt(given.bytesPerCall, 'options.bytesPerCall');
}

function findingMatches(finding: LeakFinding, expectation: LeakExpectation | undefined): boolean {
  if (!expectation) return true;
  const { what, kind, perCall, bytesPerCall } = expectation;
  if (kind !== undefined && finding.kind !== kind) return false;
  if (what !== undefined) {
    const ok = namesOf(finding).some((name) => (typeof what === 'string' ? name === what : new RegExp(what.source, what.flags).test(name)));
    if (!ok) return false;
  }
  if (perCall !== undefined && Math.abs(finding.count - perCall) > perCall * 0.25) return false;
  if (bytesPerCall !== undefined && Math.abs(finding.bytes - bytesPerCall) > bytesPerCall * 0.25) return false;
  return true;
}

/**
 * The names `what` may give a finding: its constructor or handle type; its site's function (the
 * JS function that allocated, or the addon function that owns native blocks, as C++ names are
 * read: `Client::HandleResults`); and for native memory the function that called the allocator
 * (`helper_make_buffer`), with its object (`make_record (corpus.node)`).
 */
function namesOf(finding: LeakFinding): string[] {
  const names: string[] = finding.name === null ? [] : [finding.name];
  const site = finding.site;
  if (site?.function) names.push(site.lang === 'native' ? shortFunctionName(site.function) : site.function);
  if (site?.lang === 'native') names.push(nativeFrameText(site));
  for (const allocation of finding.allocations ?? []) {
    const caller = allocation.stack[0]?.function;
    if (caller) names.push(shortFunctionName(caller));
  }
  return names;
}

function describeExpectation(expectation: LeakExpectation | undefined): string {
  if (!expectation || EXPECTATION_KEYS.every((key) => expectation[key] === undefined)) return 'anything';
  const parts: string[] = [];
  if (expectation.what !== undefined) parts.push(String(expectation.what));
  if (expectation.kind !== undefined) parts.push(`(${expectation.kind})`);
  if (expectation.perCall !== undefined) parts.push(`+${formatCount(expectation.perCall)} per call`);
  if (expectation.bytesPerCall !== undefined) parts.push(`+${formatCount(expectation.bytesPerCall)} B per call`);
  return parts.join(' ');
}
