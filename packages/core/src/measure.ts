import { setTimeout as realSetTimeout } from 'node:timers';
import { AllocationSampler } from './allocation-sampler';
import { Caller, type CallUnderTest } from './caller';
import { classifyCallAllocation, NODE_KNOWN_SURVIVORS, type KnownSurvivors } from './classify';
import { decideSites, growingHandleTypes, siteStatus, type SiteDecision } from './decide';
import { explainGrowth } from './explain-growth';
import { handleFindings, nativeFindings, round1, sitesWith, type NativeDecision } from './findings';
import { nativeFrameText, NO_JS_FRAME_TEXT, siteText } from './format';
import { eventLoopTurn, settle } from './gc';
import { activeResourceCounts } from './handles';
import type { InspectorClient } from './inspector-client';
import { isSuppressed, nativeOwnerFrame, nativeSurvivorsByWindow, type NativeProbe, type NativeSiteSurvivors } from './native-census';
import { findingIgnored, type Pattern } from './patterns';
import { atSourcePositions } from './source-positions';
import type { ResolvedLeakOptions } from './options';
import type { LeakFinding, LeakVerdict, MeasurementPlan, RunSummary } from './types';

/** What a measurement runs with, given by the adapter. */
export interface MeasureContext {
  client: InspectorClient;
  /** The native allocation tracker's probe; absent: native memory is not measured. */
  native?: NativeProbe;
  /** Expected survivors of the runner (its mock records, its module registry), left out with a note. */
  knownSurvivors?: KnownSurvivors[];
}

interface RunResult extends MeasurementPlan {
  decisions: SiteDecision[];
  nativeDecisions: NativeDecision[];
  handleGrowth: Array<{ type: string; growth: number }>;
}

/**
 * Measures whether `fn` leaks: warm-up, rounds, settle, the consistency rule, escalation.
 * Pure engine: no runner knowledge; adapters turn the verdict into matcher results.
 */
export async function measureLeaks(fn: CallUnderTest, options: ResolvedLeakOptions, context: MeasureContext): Promise<LeakVerdict> {
  const { client } = context;
  const started = performance.now();
  const deadline = started + options.timeout;
  const caller = new Caller(fn, deadline, options.timeout);
  const known = [...NODE_KNOWN_SURVIVORS, ...(context.knownSurvivors ?? [])];
  const notes: string[] = [];

  await caller.call(options.warmup);
  const runs: RunResult[] = [];
  let callsPerRound = options.callsPerRound;
  for (;;) {
    const run = await measureRun(caller, options, callsPerRound, context, known);
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
  const callsMeasured = last.rounds * last.callsPerRound;
  const findings: LeakFinding[] = [];

  const growing = confirmed ? sitesWith(last.decisions, 'growing') : [];
  if (growing.length > 0) {
    const explained = await explainGrowth(growing, callsMeasured, last.callsPerRound, { caller, client, options, deadline, notes });
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

  return {
    leaked: findings.length > 0,
    findings,
    runs: runs.map(runSummary),
    totalCalls: caller.calls,
    durationMs: performance.now() - started,
    notes,
  };
}

async function measureRun(
  caller: Caller,
  options: ResolvedLeakOptions,
  callsPerRound: number,
  { client, native }: MeasureContext,
  known: KnownSurvivors[],
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
    survivors = sampler.stop(classifyCallAllocation(options.ignore, known));
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
