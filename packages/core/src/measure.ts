import { setTimeout as realSetTimeout, clearTimeout as realClearTimeout } from 'node:timers';
import { getHeapStatistics } from 'node:v8';
import { AllocationSampler, type SampleClassifier } from './allocation-sampler';
import { decideSites, growingHandleTypes, siteStatus, type SiteDecision, type SiteStatus } from './decide';
import { explainSurvivors, type ExplainedGroup } from './explain';
import { eventLoopTurn, lastFullGcDuration, settle } from './gc';
import { activeResourceCounts } from './handles';
import type { InspectorClient } from './inspector-client';
import { isSuppressed, nativeSiteName, nativeSurvivorsByWindow, type NativeProbe, type NativeSiteSurvivors } from './native-census';
import { matchesAny, type ResolvedLeakOptions } from './options';
import { fileOf, formatFrame, isNodeInternal, isOwnFrame, siteFrame } from './stack';
import { atSourcePositions } from './source-positions';
import type { Frame, LeakFinding, LeakVerdict, MeasurementPlan, SiteSurvivors } from './types';

export type CallUnderTest = () => unknown;

/** The code under test threw or rejected: the caller should fail with `cause`, not a verdict. */
export class CallFailedError extends Error {
  override name = 'CallFailedError';
  constructor(
    override readonly cause: unknown,
    readonly callNumber: number,
  ) {
    super(`leakproof: the function under test threw on call ${callNumber}`);
  }
}

/** The measurement could not finish in time: never reported as a pass. */
export class MeasurementTimeoutError extends Error {
  override name = 'MeasurementTimeoutError';
}

/** Allocation stacks that pass through these are known, expected survivors, left out with a note. */
const KNOWN_SURVIVORS: Array<{ reason: string; test: (file: string) => boolean }> = [
  { reason: 'jest.fn() call records', test: (f) => /[\\/]jest-mock[\\/]/.test(f) },
  { reason: 'module initialisation', test: (f) => /[\\/]jest-runtime[\\/]/.test(f) || f === 'node:internal/modules/cjs/loader' },
];

export const NATIVE_CALLBACK_SITE = '(native code called from the event loop: no JS frame)';

/**
 * Only what the code under test allocated counts: the frames above leakproof's own call loop.
 * An allocation whose innermost frame is leakproof's (markers, the loop's promises) is ours.
 */
export function classifyCallAllocation(ignore: Array<string | RegExp>): SampleClassifier {
  return (stack: Frame[]) => {
    // No JS frame at all: made by native code called from the event loop (an addon's completion
    // callback creating a result array). Clean async code leaves no such survivor (measured on
    // promises, fs, timers, immediates and the libuv pool), so it is judged like any site.
    if (stack.every((f) => f.url === '')) return { site: NATIVE_CALLBACK_SITE };
    const ownAt = stack.findIndex(isOwnFrame);
    const inner = ownAt === -1 ? stack : stack.slice(0, ownAt);
    // Nothing of the code under test on the stack: Node's own bookkeeping (async context
    // push/pop, the Immediate of leakproof's event-loop turn). Counted, it re-measured 4-5 of 7
    // clean verdicts for nothing (benchmark); leaks of resources fn opened show as handles.
    if (inner.length === 0 || inner.every(isNodeInternal)) return null;
    for (const known of KNOWN_SURVIVORS) if (inner.some((f) => known.test(fileOf(f)))) return { ignored: known.reason };
    const site = formatFrame(siteFrame(inner) as Frame);
    if (ignore.length > 0 && matchesAny(site, ignore)) return { ignored: 'ignore option' };
    return { site };
  };
}

interface NativeDecision {
  site: NativeSiteSurvivors;
  name: string;
  status: SiteStatus;
}

interface RunResult extends MeasurementPlan {
  decisions: SiteDecision[];
  nativeDecisions: NativeDecision[];
  handleGrowth: Array<{ type: string; growth: number }>;
}

/**
 * Measures whether `fn` leaks: warm-up, rounds, settle, the consistency rule, escalation.
 * Pure engine: no Jest knowledge; adapters turn the verdict into matcher results.
 */
export async function measureLeaks(
  fn: CallUnderTest,
  options: ResolvedLeakOptions,
  client: InspectorClient,
  native?: NativeProbe,
): Promise<LeakVerdict> {
  const started = performance.now();
  const deadline = started + options.timeout;
  const caller = new Caller(fn, deadline, options.timeout);
  const notes: string[] = [];

  await caller.call(options.warmup);
  const runs: RunResult[] = [];
  let callsPerRound = options.callsPerRound;
  for (;;) {
    const run = await measureRun(caller, client, options, callsPerRound, native);
    runs.push(run);
    const statuses = [...run.decisions, ...run.nativeDecisions].map((d) => d.status);
    const growing = statuses.filter((s) => s === 'growing').length;
    const sporadic = statuses.filter((s) => s === 'sporadic').length;
    const suspicious = growing + sporadic + run.handleGrowth.length > 0;
    const confirmed = runs.length >= 2 && (growing > 0 || run.handleGrowth.length > 0);
    if (!suspicious || confirmed || callsPerRound >= options.maxCallsPerRound) break;
    // A suspicion is re-measured with 4x the calls: a leak keeps growing every round, while a
    // cache fills up, JIT work ends and a rare event becomes regular (docs/noise-model.md).
    callsPerRound = Math.min(options.maxCallsPerRound, callsPerRound * 4);
    notes.push(`re-measured with ${callsPerRound} calls per round after a suspicious run`);
    // The settle's GC threw optimised code away; let it re-optimise before the next rounds.
    await caller.call(options.warmup);
  }

  const last = runs[runs.length - 1];
  const confirmed = runs.length >= 2 || options.maxCallsPerRound === options.callsPerRound;
  const growing = confirmed ? last.decisions.filter((d) => d.status === 'growing') : [];
  const handleGrowth = confirmed ? last.handleGrowth : [];
  const callsMeasured = last.rounds * last.callsPerRound;
  const findings: LeakFinding[] = [];

  if (growing.length > 0) {
    const sites = growing.map((d) => d.site);
    findings.push(
      ...atSourcePositions(
        await explainGrowth(sites, callsMeasured, last.callsPerRound, { caller, client, options, deadline, notes }),
        client,
      ),
    );
  }
  if (confirmed) {
    const growingNative = last.nativeDecisions.filter((d) => d.status === 'growing' && !matchesAny(d.name, options.ignore));
    findings.push(...nativeFindings(growingNative, callsMeasured));
  }
  for (const { type, growth } of handleGrowth) {
    if (matchesAny(type, options.ignore)) continue;
    findings.push({ kind: 'handles', what: type, countPerCall: growth / callsMeasured, bytesPerCall: 0, perRound: [] });
  }
  for (const d of last.decisions) {
    if (d.status !== 'sporadic') continue;
    notes.push(
      `survivors at ${d.site.site} in some rounds only (${d.site.counts.map(round1).join(', ')}): not a leak by the consistency rule`,
    );
  }
  for (const d of last.nativeDecisions) {
    if (d.status !== 'sporadic') continue;
    notes.push(
      `native blocks allocated in ${d.name} survived some rounds only (${d.site.counts.join(', ')}): not a leak by the consistency rule`,
    );
  }

  return {
    leaked: findings.length > 0,
    findings,
    runs: runs.map((r) => ({
      warmupCalls: r.warmupCalls,
      callsPerRound: r.callsPerRound,
      rounds: r.rounds,
      growing: [
        ...r.decisions.filter((d) => d.status === 'growing').map((d) => d.site.site),
        ...r.nativeDecisions.filter((d) => d.status === 'growing').map((d) => `native: ${d.name}`),
      ],
      sporadic: [
        ...r.decisions.filter((d) => d.status === 'sporadic').map((d) => d.site.site),
        ...r.nativeDecisions.filter((d) => d.status === 'sporadic').map((d) => `native: ${d.name}`),
      ],
    })),
    totalCalls: caller.calls,
    durationMs: performance.now() - started,
    notes,
  };
}

async function measureRun(
  caller: Caller,
  client: InspectorClient,
  options: ResolvedLeakOptions,
  callsPerRound: number,
  native: NativeProbe | undefined,
): Promise<RunResult> {
  // No GC here: only allocations made inside the rounds are judged, so the state of the heap
  // before them does not matter. Full GCs are most of a verdict's cost (bench: 7-9 per verdict).
  await eventLoopTurn();
  const handlesBefore = activeResourceCounts();
  const sampler = new AllocationSampler(client, options.samplingInterval);
  sampler.start();
  let survivors;
  // Native windows have the same boundaries as the sampler's: one epoch per round boundary.
  const epochs: number[] = [];
  try {
    sampler.mark();
    if (native) epochs.push(native.mark());
    for (let round = 0; round < options.rounds; round++) {
      await caller.call(callsPerRound);
      sampler.mark();
      if (native) epochs.push(native.mark());
    }
    await settle({ extraCounter: native ? () => native.liveBytes() : undefined });
    survivors = sampler.stop(classifyCallAllocation(options.ignore));
  } finally {
    sampler.abort();
  }
  const nativeDecisions = native ? decideNative(nativeSurvivorsByWindow(native, epochs), options.nativeSuppressions) : [];
  let handleGrowth: RunResult['handleGrowth'] = [];
  if (options.handles) {
    handleGrowth = growingHandleTypes(handlesBefore, activeResourceCounts(), options.rounds);
    // Handles that close asynchronously (a socket's close callback, a short timer) get a grace period.
    for (let wait = 0; handleGrowth.length > 0 && wait < 10; wait++) {
      await new Promise((resolve) => realSetTimeout(resolve, 10));
      handleGrowth = growingHandleTypes(handlesBefore, activeResourceCounts(), options.rounds);
    }
  }
  return {
    warmupCalls: options.warmup,
    callsPerRound,
    rounds: options.rounds,
    decisions: decideSites(survivors.sites),
    nativeDecisions,
    handleGrowth,
  };
}

/** The same consistency rule as JS sites, on exact block counts per round. */
function decideNative(sites: NativeSiteSurvivors[], suppressions: Array<string | RegExp>): NativeDecision[] {
  return sites
    .filter((site) => !isSuppressed(site, suppressions))
    .map((site) => ({ site, name: nativeSiteName(site), status: siteStatus(site.counts) }));
}

/**
 * One finding per owning function (the innermost addon frame): a leaked LDAP result is several
 * blocks from several libldap stacks, all under the one function that forgot to free them.
 */
function nativeFindings(decisions: NativeDecision[], callsMeasured: number): LeakFinding[] {
  const byName = new Map<string, NativeDecision[]>();
  for (const d of decisions) byName.set(d.name, [...(byName.get(d.name) ?? []), d]);
  return [...byName].map(([name, group]) => {
    const sites = group.map(({ site }) => site).sort((a, b) => sum(b.bytes) - sum(a.bytes));
    return {
      kind: 'native' as const,
      what: `native memory allocated in ${name}`,
      countPerCall: sum(sites.map((s) => sum(s.counts))) / callsMeasured,
      bytesPerCall: sum(sites.map((s) => sum(s.bytes))) / callsMeasured,
      perRound: sites[0].counts.map((_, round) => sum(sites.map((s) => s.counts[round]))),
      site: name,
      allocator: sites[0].allocator,
      nativeStack: sites[0].frames,
      nativeSites: sites.map((s) => ({
        allocator: s.allocator,
        frames: s.frames,
        countPerCall: sum(s.counts) / callsMeasured,
        bytesPerCall: sum(s.bytes) / callsMeasured,
      })),
    };
  });
}

interface ExplainContext {
  caller: Caller;
  client: InspectorClient;
  options: ResolvedLeakOptions;
  deadline: number;
  notes: string[];
}

/**
 * Findings for confirmed growing sites: named by a heap snapshot when there is time for one
 * (constructor, retainer path), which may also refute the suspicion; by site otherwise.
 */
async function explainGrowth(
  sites: SiteSurvivors[],
  callsMeasured: number,
  callsPerRound: number,
  { caller, client, options, deadline, notes }: ExplainContext,
): Promise<LeakFinding[]> {
  if (!options.explain) return objectFindings(sites, callsMeasured, undefined, options.ignore);
  const needed = estimatedExplainMs();
  const left = deadline - performance.now();
  if (needed > left) {
    notes.push(
      `no heap snapshot (constructor, retainer path): it needs about ${Math.round(needed / 100) / 10} s here and only ${Math.round(left / 100) / 10} s of the timeout were left; raise "timeout" (and Jest's testTimeout)`,
    );
    return objectFindings(sites, callsMeasured, undefined, options.ignore);
  }
  const sampledPerCall = sum(sites.map((s) => sum(s.counts))) / callsMeasured;
  let explained: ExplainedGroup[];
  try {
    // Enough calls that the leak leaves ~100 objects: well above leakproof's own ~17 objects
    // pending on its stack, so the snapshot can also refute a suspicion (below).
    const explainCalls = Math.min(4000, Math.max(callsPerRound, 200, Math.ceil(100 / sampledPerCall)));
    explained = await explainSurvivors(client, () => caller.call(explainCalls), explainCalls, 3, {
      callsWaitOnEventLoop: caller.returnedPromises,
    });
    const explainedPerCall = sum(explained.map((g) => g.countPerCall));
    if (explainedPerCall < sampledPerCall / 4) {
      // V8 re-optimises code after a settle's GC and allocates it under fn's frame: samples that
      // grow every round but are no program object at all (Node 20/22/24, measured).
      notes.push(
        `survivors sampled at ${sites.map((s) => s.site).join(', ')} are not program objects in the heap snapshot (compiled code): not a leak`,
      );
      return [];
    }
    // Types far below what the sampler saw growing are re-optimised code and JIT metadata
    // (ScopeInfo strings, property arrays: ~0.05 per call beside a napi_ref leak, measured).
    const floor = Math.max(10, Math.ceil(explainCalls * Math.min(0.1, sampledPerCall / 4)));
    explained = explained.filter((g) => g.countPerCall * explainCalls >= floor);
  } catch (error) {
    if (error instanceof CallFailedError) throw error; // fn's own failure wins over any verdict
    notes.push(`heap snapshot explanation ${error instanceof MeasurementTimeoutError ? 'stopped' : 'failed'}: ${(error as Error).message}`);
    return objectFindings(sites, callsMeasured, undefined, options.ignore);
  }
  return objectFindings(sites, callsMeasured, explained, options.ignore);
}

function objectFindings(
  growing: SiteSurvivors[],
  callsMeasured: number,
  explained: ExplainedGroup[] | undefined,
  ignore: Array<string | RegExp>,
): LeakFinding[] {
  const sampled = growing.map((s) => ({ site: s, countPerCall: sum(s.counts) / callsMeasured }));
  const kept = explained?.filter((g) => !matchesAny(g.name, ignore)) ?? [];
  // The snapshot named what grew and the ignore option leaves all of it out: nothing to report.
  if (explained && explained.length > 0 && kept.length === 0) return [];
  if (kept.length > 0) {
    return kept.map((group) => {
      // The snapshot knows types, the sampler knows sites: pair each type with the site whose
      // per-call count is closest (exact when one site grows, the common case).
      const best = sampled.reduce((a, b) =>
        Math.abs(Math.log(b.countPerCall / group.countPerCall)) < Math.abs(Math.log(a.countPerCall / group.countPerCall)) ? b : a,
      ).site;
      return {
        kind: 'js-objects' as const,
        what: group.name,
        countPerCall: group.countPerCall,
        bytesPerCall: group.bytesPerCall,
        perRound: best.counts.map(round1),
        site: best.site,
        allocationStack: best.site === NATIVE_CALLBACK_SITE ? undefined : beforeOwnFrames(best.stack),
        retainerPath: group.retainerPath,
        // N-API references are V8 global handles: the leak is a ref count never brought to 0.
        retainedByGlobalHandle: group.retainerPath?.some((hop) => hop.includes('(Global handles)')) || undefined,
      };
    });
  }
  return sampled.map(({ site: s, countPerCall }) => ({
    kind: 'js-objects' as const,
    what: `objects allocated at ${s.site}`,
    countPerCall,
    bytesPerCall: sum(s.bytes) / callsMeasured,
    perRound: s.counts.map(round1),
    site: s.site,
    allocationStack: s.site === NATIVE_CALLBACK_SITE ? undefined : beforeOwnFrames(s.stack),
  }));
}

/**
 * What a snapshot explanation costs on this heap. Both scale with the live objects and edges, not
 * the bytes: the benchmark measured 150-200 full GCs' worth (4.4-7 s on an object-dense 20 MB
 * heap, ~3 s on a code-heavy 60 MB Jest worker), so the last settle's GC is the yardstick.
 */
function estimatedExplainMs(): number {
  const gcMs = lastFullGcDuration() || (getHeapStatistics().used_heap_size / 1024 / 1024) * 0.5;
  return 300 + gcMs * 150;
}

/** Calls `fn` with a deadline; awaits only when `fn` returns a thenable. */
class Caller {
  calls = 0;
  /** fn returned a thenable: its calls wait on the event loop (timers, I/O, immediates). */
  returnedPromises = false;
  constructor(
    private readonly fn: CallUnderTest,
    private readonly deadline: number,
    private readonly timeout: number,
  ) {}

  async call(times: number): Promise<void> {
    for (let i = 0; i < times; i++) {
      if (performance.now() > this.deadline) throw this.timeoutError();
      this.calls++;
      let result: unknown;
      try {
        result = this.fn();
      } catch (error) {
        throw new CallFailedError(error, this.calls);
      }
      if (isThenable(result)) {
        this.returnedPromises = true;
        await this.awaitCall(result);
      }
    }
    // Let timers and I/O callbacks of the calls run between batches, as a real program would.
    await eventLoopTurn();
  }

  private async awaitCall(result: PromiseLike<unknown>): Promise<void> {
    let timer: ReturnType<typeof realSetTimeout> | undefined;
    const remaining = Math.max(1, this.deadline - performance.now());
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = realSetTimeout(() => resolve('timeout'), remaining);
    });
    try {
      const outcome = await Promise.race([
        Promise.resolve(result).then(
          () => 'ok' as const,
          (error: unknown) => {
            throw new CallFailedError(error, this.calls);
          },
        ),
        timedOut,
      ]);
      if (outcome === 'timeout') throw this.timeoutError(true);
    } finally {
      realClearTimeout(timer);
    }
  }

  private timeoutError(pending = false): MeasurementTimeoutError {
    const what = pending ? `call ${this.calls} returned a promise that did not settle` : `only ${this.calls} calls completed`;
    return new MeasurementTimeoutError(
      `leakproof: no verdict within ${this.timeout} ms: ${what}. ` +
        'Raise the "timeout" option (and Jest\'s testTimeout), or lower "callsPerRound"/"rounds"/"maxCallsPerRound".',
    );
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

/** The frames of the code under test: up to leakproof's call loop. */
function beforeOwnFrames(stack: Frame[]): Frame[] {
  const ownAt = stack.findIndex(isOwnFrame);
  return ownAt === -1 ? stack : stack.slice(0, ownAt);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
