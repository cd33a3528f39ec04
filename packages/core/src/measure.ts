import { setTimeout as realSetTimeout } from 'node:timers';
import { AllocationSampler } from './allocation-sampler';
import { Caller, MeasurementTimeoutError, type CallUnderTest } from './caller';
import { classifyCallAllocation, NODE_KNOWN_SURVIVORS, type KnownSurvivors } from './classify';
import { decideSites, growingHandleTypes, persistentHandleTypes, siteStatus, type SiteDecision } from './decide';
import { explainGrowth, explanationFits } from './explain-growth';
import { handleFindings, nativeFindings, objectFindings, round1, sitesWith, type NativeDecision } from './findings';
import { nativeFrameText, NO_JS_FRAME_TEXT, siteText } from './format';
import { eventLoopTurn, settle } from './gc';
import { activeResourceCounts } from './handles';
import type { InspectorClient } from './inspector-client';
import { isSuppressed, nativeOwnerFrame, nativeSurvivorsByWindow, type NativeProbe, type NativeSiteSurvivors } from './native-census';
import { findingIgnored, type Pattern } from './patterns';
import { atSourcePositions } from './source-positions';
import type { ResolvedLeakOptions } from './options';
import {
  CONFIRM_SHARE,
  DETECT_SHARE,
  HORIZON_SHARE,
  HORIZON_SHARE_EXPLAINED_LATER,
  WARMUP_SHARE,
  callsPerRoundWithin,
  horizonCallsWithin,
  minimumTimeoutMs,
  type CostModel,
} from './plan';
import type { Horizon, LeakFinding, LeakVerdict, MeasurementPlan, RunSummary } from './types';

/** What a measurement runs with, given by the adapter. */
export interface MeasureContext {
  client: InspectorClient;
  /** The native allocation tracker's probe; absent: native memory is not measured. */
  native?: NativeProbe;
  /** Expected survivors of the runner (its mock records, its module registry), left out with a note. */
  knownSurvivors?: KnownSurvivors[];
  /**
   * Given by a host that can explain a leak after the test function, outside its timeout (the
   * Jest environment, at test_fn_failure): when the heap snapshot does not fit the budget, the
   * verdict comes back without it, and `later` explains it when the host asks.
   */
  explainLater?: (later: LaterExplanation) => void;
  /** Constructor names of the runner's own long-lived objects (its reporters): never the code under test's. */
  runnerHolders?: RegExp;
}

/** The verdict again, its JS findings explained by a heap snapshot, within `budgetMs` from now. */
export type LaterExplanation = (budgetMs: number) => Promise<LeakVerdict>;

/** The note a verdict carries while its explanation waits for the host. */
export const EXPLAINED_LATER_NOTE = 'constructor and retainer path: explained after the test function, outside its timeout';

interface RunResult extends MeasurementPlan {
  decisions: SiteDecision[];
  nativeDecisions: NativeDecision[];
  handleGrowth: Array<{ type: string; growth: number }>;
  /** Time of the rounds' calls, and of the settle after them (the cost model of the next run). */
  roundsMs: number;
  settleMs: number;
  /** The horizon this run's survivors were read after, as run. */
  horizon?: Horizon;
}

/**
 * Measures whether `fn` leaks: warm-up, rounds, settle, the consistency rule, escalation, and a
 * horizon before anything is reported (docs/noise-model.md).
 * Pure engine: no runner knowledge; adapters turn the verdict into matcher results.
 */
export async function measureLeaks(fn: CallUnderTest, options: ResolvedLeakOptions, context: MeasureContext): Promise<LeakVerdict> {
  const { client } = context;
  const started = performance.now();
  const deadline = started + options.timeout;
  const caller = new Caller(fn, deadline, options.timeout);
  const known = [...NODE_KNOWN_SURVIVORS, ...(context.knownSurvivors ?? [])];
  const notes: string[] = [];
  const left = () => deadline - performance.now();

  const warm = await warmUp(caller, options);
  if (options.adaptive && minimumTimeoutMs(options.rounds, { msPerCall: warm.msPerCall, settleMs: SETTLE_ESTIMATE_MS }) > options.timeout) {
    throw tooSlowError(options, warm.msPerCall, { msPerCall: warm.msPerCall, settleMs: SETTLE_ESTIMATE_MS });
  }
  // Sampling every 8 bytes slows allocation-heavy code: plan the first run on twice the warm-up's cost.
  let cost: CostModel = { msPerCall: warm.msPerCall * 2, settleMs: SETTLE_ESTIMATE_MS };
  const firstCalls = options.adaptive
    ? callsPerRoundWithin(options.callsPerRound, options.rounds, left(), DETECT_SHARE, cost)
    : options.callsPerRound;
  if (firstCalls === 0) throw tooSlowError(options, warm.msPerCall, cost);
  const shortened = firstCalls < options.callsPerRound;
  if (shortened) notes.push(shortenedNote(firstCalls, warm.msPerCall));

  // A host that explains later needs no time kept for the snapshot: the horizon gets it.
  const horizonShare = context.explainLater ? HORIZON_SHARE_EXPLAINED_LATER : HORIZON_SHARE;
  const runs: RunResult[] = [];
  // With nothing to escalate to, the first run is the one that decides: it gets the horizon.
  const onlyRun = options.maxCallsPerRound <= firstCalls;
  runs.push(
    await measureRun(caller, options, firstCalls, context, known, onlyRun ? horizonWithin(options, left(), cost, horizonShare) : undefined),
  );
  for (;;) {
    const run = runs[runs.length - 1];
    cost = { msPerCall: run.roundsMs / (run.rounds * run.callsPerRound), settleMs: run.settleMs };
    const { growing, suspicious } = suspicion(run);
    if (!suspicious || (run.horizon && growing)) break;
    // A suspicion is re-measured with 4x the calls (as many as the time allows), then read only after
    // the horizon: a leak keeps growing every round and keeps what it grew, while a cache fills up and
    // evicts, JIT work ends, a timer releases, and a rare event becomes regular (docs/noise-model.md).
    const wanted = Math.min(options.maxCallsPerRound, run.callsPerRound * 4);
    let next = options.adaptive ? callsPerRoundWithin(wanted, options.rounds, left(), CONFIRM_SHARE, cost) : wanted;
    if (next < run.callsPerRound) next = run.horizon ? 0 : callsPerRoundWithin(run.callsPerRound, options.rounds, left(), 0.5, cost);
    if (next === 0 || (run.horizon && next <= run.callsPerRound)) {
      if (growing && !run.horizon) throw unconfirmedError(options, run, cost);
      break;
    }
    notes.push(`re-measured with ${next} calls per round after a suspicious run`);
    // The settle's GC threw optimised code away; let it re-optimise before the next rounds.
    await caller.call(warm.calls);
    let horizon = horizonWithin(options, left(), cost, horizonShare);
    // Handles opened per call (servers, sockets) are the user's resources: the horizon opens at
    // most as many as the rounds do (a ignored never-closed server made 5,431 of them in 16 s).
    if (run.handleGrowth.length > 0) horizon = { ...horizon, horizonCalls: Math.min(horizon.horizonCalls, options.rounds * next) };
    runs.push(await measureRun(caller, options, next, context, known, horizon));
  }

  const last = runs[runs.length - 1];
  const confirmed = last.horizon !== undefined;
  const callsMeasured = last.rounds * last.callsPerRound;
  const findings: LeakFinding[] = [];

  const growing = confirmed ? sitesWith(last.decisions, 'growing') : [];
  const explainLater = growing.length > 0 && options.explain && context.explainLater && !explanationFits(deadline);
  if (explainLater) {
    findings.push(...atSourcePositions(objectFindings(growing, callsMeasured, undefined, options.ignore), client));
    notes.push(EXPLAINED_LATER_NOTE);
  } else if (growing.length > 0) {
    const explained = await explainGrowth(growing, callsMeasured, last.callsPerRound, {
      caller,
      client,
      options,
      deadline,
      notes,
      runnerHolders: context.runnerHolders,
    });
    findings.push(...atSourcePositions(explained, client));
  }
  if (confirmed) {
    const growingNative = last.nativeDecisions.filter((d) => d.status === 'growing');
    findings.push(...nativeFindings(growingNative, callsMeasured).filter((f) => !findingIgnored(f, options.ignore)));
    findings.push(...handleFindings(last.handleGrowth, callsMeasured, options.ignore));
  }
  for (const s of sitesWith(last.decisions, 'sporadic')) {
    notes.push(
      `survivors at ${s.site ? siteText(s.site) : NO_JS_FRAME_TEXT} in some rounds only (${s.counts.map(round1).join(', ')}): not a leak by the consistency rule`,
    );
  }
  for (const d of last.nativeDecisions) {
    if (d.status !== 'sporadic') continue;
    notes.push(
      `native blocks allocated in ${nativeOwnerText(d.site)} survived some rounds only (${d.site.counts.join(', ')}): not a leak by the consistency rule`,
    );
  }

  const verdict: LeakVerdict = {
    leaked: findings.length > 0,
    findings,
    runs: runs.map(runSummary),
    ...(last.horizon ? { horizon: last.horizon } : {}),
    cost: { msPerCall: warm.msPerCall, shortened },
    totalCalls: caller.calls,
    durationMs: performance.now() - started,
    notes,
  };
  if (explainLater) {
    context.explainLater!(async (budgetMs) => {
      const laterDeadline = performance.now() + budgetMs;
      const laterCaller = new Caller(fn, laterDeadline, budgetMs);
      laterCaller.returnedPromises = caller.returnedPromises;
      const laterNotes = notes.filter((note) => note !== EXPLAINED_LATER_NOTE);
      const explained = await explainGrowth(growing, callsMeasured, last.callsPerRound, {
        caller: laterCaller,
        client,
        options,
        deadline: laterDeadline,
        notes: laterNotes,
        runnerHolders: context.runnerHolders,
      });
      const others = findings.filter((f) => f.kind !== 'js-objects');
      const laterFindings = [...atSourcePositions(explained, client), ...others];
      return { ...verdict, leaked: laterFindings.length > 0, findings: laterFindings, notes: laterNotes };
    });
  }
  return verdict;
}

/** A settle before one was measured: 2-6 GCs of a small heap and their turns. */
const SETTLE_ESTIMATE_MS = 150;

function suspicion(run: RunResult): { growing: boolean; suspicious: boolean } {
  const statuses = [...run.decisions, ...run.nativeDecisions].map((d) => d.status);
  const growing = statuses.includes('growing') || run.handleGrowth.length > 0;
  return { growing, suspicious: growing || statuses.includes('sporadic') };
}

/**
 * The warm-up, in doubling batches so that a slow fn is noticed after a few calls: when the
 * rounds adapt to fn's cost, the warm-up stops at WARMUP_SHARE of the timeout (at least 2 calls).
 * Its last batch gives fn's cost per call.
 */
async function warmUp(caller: Caller, options: ResolvedLeakOptions): Promise<{ calls: number; msPerCall: number }> {
  const capMs = options.adaptive ? options.timeout * WARMUP_SHARE : Infinity;
  const started = performance.now();
  let calls = 0;
  let msPerCall = 0;
  for (let batch = 1; calls < options.warmup; batch *= 2) {
    const n = Math.min(batch, options.warmup - calls);
    const t0 = performance.now();
    const before = caller.calls;
    try {
      await caller.call(n);
    } catch (error) {
      // The budget ran out inside the warm-up: the calls that completed still give fn's cost.
      const done = caller.calls - before;
      if (!(error instanceof MeasurementTimeoutError) || error.pending || done + calls === 0) throw error;
      const cost = done > 0 ? (performance.now() - t0) / done : msPerCall;
      throw tooSlowError(options, cost, { msPerCall: cost, settleMs: SETTLE_ESTIMATE_MS });
    }
    msPerCall = (performance.now() - t0) / n;
    calls += n;
    if (calls >= 2 && performance.now() - started > capMs) break;
    // Hopeless already (600 ms per call in a 2 s budget): say so now, with the cost. Never on the
    // first call alone, which may carry one-time work.
    if (calls >= 2 && options.adaptive && minimumTimeoutMs(options.rounds, { msPerCall, settleMs: SETTLE_ESTIMATE_MS }) > options.timeout)
      break;
  }
  if (calls === 0) {
    // warmup: 0 still needs a cost: one timed call, counted as the first of the rounds' would be.
    const t0 = performance.now();
    await caller.call(1);
    msPerCall = performance.now() - t0;
  }
  return { calls, msPerCall };
}

/** The horizon a confirming run gets: all of `horizonCalls`/`horizonMs` the budget allows. */
function horizonWithin(options: ResolvedLeakOptions, leftMs: number, cost: CostModel, share: number): Horizon {
  return {
    horizonCalls: horizonCallsWithin(options.horizonCalls, leftMs, share, cost),
    horizonMs: Math.max(0, Math.min(options.horizonMs, Math.floor(leftMs * share))),
  };
}

/** Calls fn `horizon.horizonCalls` more times (stopping at the planned time), then waits until `horizonMs` have passed. */
async function runHorizon(caller: Caller, horizon: Horizon, cost: CostModel): Promise<Horizon> {
  const started = performance.now();
  // Twice the planned time at most: the calls after the rounds may cost more than the rounds' did.
  const stopAt = started + Math.max(50, 2 * horizon.horizonCalls * cost.msPerCall);
  let calls = 0;
  const batch = Math.max(1, Math.min(1000, Math.floor(20 / Math.max(cost.msPerCall, 0.001))));
  while (calls < horizon.horizonCalls && performance.now() < stopAt && performance.now() < caller.deadline) {
    const n = Math.min(batch, horizon.horizonCalls - calls);
    await caller.call(n);
    calls += n;
  }
  const wait = horizon.horizonMs - (performance.now() - started);
  if (wait > 0) await new Promise((resolve) => realSetTimeout(resolve, wait));
  return { horizonCalls: calls, horizonMs: Math.round(performance.now() - started) };
}

async function measureRun(
  caller: Caller,
  options: ResolvedLeakOptions,
  callsPerRound: number,
  { client, native }: MeasureContext,
  known: KnownSurvivors[],
  horizon: Horizon | undefined,
): Promise<RunResult> {
  // No GC here: only allocations made inside the rounds are judged, so the state of the heap
  // before them does not matter. Full GCs are most of a verdict's cost (bench: 7-9 per verdict).
  await eventLoopTurn();
  const handlesBefore = activeResourceCounts();
  const sampler = new AllocationSampler(client, options.samplingInterval);
  sampler.start();
  let survivors;
  let handlesAtRoundsEnd: Map<string, number> | undefined;
  let horizonDone: Horizon | undefined;
  let roundsMs: number;
  let settleMs: number;
  // Native windows have the same boundaries as the sampler's: one epoch per round boundary.
  const epochs: number[] = [];
  try {
    sampler.mark();
    if (native) epochs.push(native.mark());
    const roundsStarted = performance.now();
    for (let round = 0; round < options.rounds; round++) {
      await caller.call(callsPerRound);
      sampler.mark();
      if (native) epochs.push(native.mark());
    }
    roundsMs = performance.now() - roundsStarted;
    if (horizon) {
      // After the last marker: what the horizon's calls allocate is in no round, so never judged.
      handlesAtRoundsEnd = activeResourceCounts();
      horizonDone = await runHorizon(caller, horizon, { msPerCall: roundsMs / (options.rounds * callsPerRound), settleMs: 0 });
    }
    const settleStarted = performance.now();
    await settle({ extraCounter: native ? () => native.liveBytes() : undefined });
    settleMs = performance.now() - settleStarted;
    survivors = sampler.stop(classifyCallAllocation(options.ignore, known));
  } finally {
    sampler.abort();
  }
  const nativeDecisions = native ? decideNative(nativeSurvivorsByWindow(native, epochs), options.nativeSuppressions) : [];
  let handleGrowth: RunResult['handleGrowth'] = [];
  if (options.handles && handlesAtRoundsEnd) {
    handleGrowth = persistentHandleTypes(handlesBefore, handlesAtRoundsEnd, activeResourceCounts(), options.rounds);
  } else if (options.handles) {
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
    roundsMs,
    settleMs,
    ...(horizonDone ? { horizon: horizonDone } : {}),
  };
}

function shortenedNote(callsPerRound: number, msPerCall: number): string {
  return (
    `fn costs about ${formatMs(msPerCall)} per call: rounds of ${callsPerRound} call${callsPerRound === 1 ? '' : 's'} to fit the timeout, ` +
    `so a leak rarer than one object per ${callsPerRound} call${callsPerRound === 1 ? '' : 's'} can be missed; raise the timeout for a finer verdict`
  );
}

function formatMs(ms: number): string {
  return ms >= 10 ? `${Math.round(ms)} ms` : `${Math.round(ms * 10) / 10} ms`;
}

const TIMEOUT_KNOBS =
  'raise the test\'s timeout (test(name, fn, ms), jest.setTimeout(ms) or testTimeout: leakproof takes 80% of it) or the "timeout" option';

function tooSlowError(options: ResolvedLeakOptions, msPerCall: number, cost: CostModel): MeasurementTimeoutError {
  const needed = minimumTimeoutMs(options.rounds, cost);
  return new MeasurementTimeoutError(
    `leakproof: no verdict within ${options.timeout} ms: fn costs about ${formatMs(msPerCall)} per call, and a verdict needs ` +
      `${options.rounds} rounds of at least one call twice, settled, in about ${needed} ms or more; ${TIMEOUT_KNOBS}.`,
  );
}

function unconfirmedError(options: ResolvedLeakOptions, run: RunResult, cost: CostModel): MeasurementTimeoutError {
  const needed = Math.ceil((options.timeout + 2 * (run.roundsMs + cost.settleMs)) / 1000) * 1000;
  return new MeasurementTimeoutError(
    `leakproof: no verdict within ${options.timeout} ms: survivors grew in every round of ${run.callsPerRound} calls, ` +
      `and there was no time left to re-measure them before calling it a leak (fn costs about ${formatMs(cost.msPerCall)} per call while measured); ` +
      `${TIMEOUT_KNOBS}, to about ${needed} ms.`,
  );
}

/** The same consistency rule as JS sites, on exact block counts per round. */
function decideNative(sites: NativeSiteSurvivors[], suppressions: Pattern[]): NativeDecision[] {
  return sites.filter((site) => !isSuppressed(site, suppressions)).map((site) => ({ site, status: siteStatus(site.counts) }));
}

function runSummary(r: RunResult): RunSummary {
  const nativeWith = (status: string) =>
    r.nativeDecisions
      .filter((d) => d.status === status)
      .map((d) => ({ kind: 'native' as const, site: nativeOwnerFrame(d.site.stack) ?? null }));
  const jsWith = (status: 'growing' | 'sporadic') =>
    sitesWith(r.decisions, status).map((s) => ({ kind: 'js-objects' as const, site: s.site }));
  return {
    warmupCalls: r.warmupCalls,
    callsPerRound: r.callsPerRound,
    rounds: r.rounds,
    growing: [...jsWith('growing'), ...nativeWith('growing')],
    sporadic: [...jsWith('sporadic'), ...nativeWith('sporadic')],
  };
}

function nativeOwnerText(site: NativeSiteSurvivors): string {
  const owner = nativeOwnerFrame(site.stack);
  return owner ? nativeFrameText(owner) : `${site.allocator} (no stack)`;
}
