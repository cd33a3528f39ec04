import { getHeapStatistics } from 'node:v8';
import { CallFailedError, MeasurementTimeoutError, type Caller } from './caller';
import { explainSurvivors, type ExplainedGroup } from './explain';
import { objectFindings, sum } from './findings';
import { siteText, NO_JS_FRAME_TEXT } from './format';
import { lastFullGcDuration } from './gc';
import type { InspectorClient } from './inspector-client';
import type { ResolvedLeakOptions } from './options';
import type { LeakFinding, RetainerHop, SiteSurvivors } from './types';

export interface ExplainContext {
  caller: Caller;
  client: InspectorClient;
  options: ResolvedLeakOptions;
  deadline: number;
  notes: string[];
  /** Holders (constructor names) of the runner's own long-lived objects, from the adapter. */
  runnerHolders?: RegExp;
}

/** leakproof's own in-process inspector session: its message callbacks are made while the snapshot streams. */
const INSPECTOR_CONNECTION = /^Node \/ JSBindingsConnection$/;

/**
 * Findings for confirmed growing sites: named by a heap snapshot when there is time for one
 * (constructor, retainer path), which may also refute the suspicion; by site otherwise.
 */
export async function explainGrowth(
  sites: SiteSurvivors[],
  callsMeasured: number,
  callsPerRound: number,
  { caller, client, options, deadline, notes, runnerHolders }: ExplainContext,
): Promise<LeakFinding[]> {
  if (!options.explain) return objectFindings(sites, callsMeasured, undefined, options.ignore);
  const needed = estimatedExplainMs();
  const left = deadline - performance.now();
  if (!explanationFits(deadline)) {
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
    // Every object made while the calls ran has a newer id, whoever made it: the runner's reporter
    // (in band, its status line) and leakproof's own session are not the code under test's, and
    // must not make up for survivors the snapshot does not find (winston@3.4.0, measured).
    explained = explained.filter((g) => !retainedByTooling(g.retainers, runnerHolders));
    const explainedPerCall = sum(explained.map((g) => g.countPerCall));
    if (explainedPerCall < sampledPerCall / 4) {
      // V8 re-optimises code after a settle's GC and allocates it under fn's frame: samples that
      // grow every round but are no program object at all (Node 20/22/24, measured).
      const where = sites.map((s) => (s.site ? siteText(s.site) : NO_JS_FRAME_TEXT)).join(', ');
      notes.push(`survivors sampled at ${where} are not program objects in the heap snapshot (compiled code): not a leak`);
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

function retainedByTooling(path: RetainerHop[], runnerHolders: RegExp | undefined): boolean {
  return path.some((hop) => INSPECTOR_CONNECTION.test(hop.holder) || (runnerHolders !== undefined && runnerHolders.test(hop.holder)));
}

/** Whether a snapshot explanation is expected to finish before `deadline`. */
export function explanationFits(deadline: number): boolean {
  return estimatedExplainMs() <= deadline - performance.now();
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
