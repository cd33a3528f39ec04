import { setFlagsFromString } from 'node:v8';
import type { InspectorClient } from './inspector-client';
import { jsSite, jsSiteKey } from './stack';
import type { JsSite, SiteSurvivors } from './types';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children: ProfileNode[];
}
interface Sample {
  size: number;
  nodeId: number;
  ordinal: number;
}
interface SamplingProfile {
  head: ProfileNode;
  samples: Sample[];
}

/**
 * Decides what a sampled allocation counts as: survivors of a site (null: made with no JS frame
 * on the stack), ignored for a stated reason, or null to leave it out unsaid.
 */
export type SampleClassifier = (stack: JsSite[]) => { site: JsSite | null } | { ignored: string } | null;

export interface WindowedSurvivors {
  /** Number of windows delimited by the markers that were found. */
  windows: number;
  sites: SiteSurvivors[];
  /** Bytes left out, by reason (e.g. `jest.fn() call records`), summed over all windows. */
  ignoredBytes: Map<string, number>;
}

const MARKER_FUNCTION = 'leakproofWindowMarker';

/**
 * Finds, after a GC, which allocations made in each window (round, test) are still alive.
 *
 * V8's sampling heap profiler keeps a sample only while its object lives and numbers samples in
 * allocation order (`ordinal`). A large marker array allocated between windows is always sampled
 * (probability 1 - e^-32), so marker ordinals cut the surviving samples into windows without any
 * GC or heap walk between windows: the only cost inside the measured code is the sampling itself.
 */
export class AllocationSampler {
  private readonly markers: unknown[][] = [];
  private running = false;
  private readonly markerTemplate: unknown[];
  readonly markerBytes: number;

  constructor(
    private readonly client: InspectorClient,
    readonly samplingInterval: number,
  ) {
    // P(a marker is not sampled) = e^-(markerBytes / interval): e^-16 (1e-7) is safe enough and
    // keeps the markers of a coarse per-test sampler small (they stay alive until it stops).
    this.markerBytes = Math.max(4096, samplingInterval * 16);
    // Made before sampling starts, so that the template itself is never taken for a marker.
    this.markerTemplate = new Array(this.markerBytes / 8).fill(0);
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    this.client.post('HeapProfiler.enable');
    this.client.post('HeapProfiler.startSampling', { samplingInterval: this.samplingInterval });
    this.running = true;
  }

  /** Closes the current window and opens the next. */
  mark(): void {
    this.markers.push(leakproofWindowMarker(this.markerTemplate));
  }

  get markCount(): number {
    return this.markers.length;
  }

  /** Stops sampling; the caller should have settled (GC) first so that only survivors remain. */
  /**
   * Reading the profile makes V8 run a full GC first (the inspector always asks for it), so only
   * survivors are returned. `keepWindow` lets a caller skip windows nobody is charged for.
   */
  stop(classify: SampleClassifier, keepWindow: (window: number) => boolean = () => true): WindowedSurvivors {
    const { profile } = this.client.post<{ profile: SamplingProfile }>('HeapProfiler.stopSampling');
    this.running = false;
    const result = windowSurvivors(profile, this.samplingInterval, this.markerBytes, this.markers.length, classify, keepWindow);
    this.markers.length = 0;
    return result;
  }

  /** Stops without reading (teardown, errors). */
  abort(): void {
    if (!this.running) return;
    this.running = false;
    this.markers.length = 0;
    try {
      this.client.post('HeapProfiler.stopSampling');
    } catch {
      // Already stopped (e.g. the session was disconnected): nothing left to release.
    }
  }
}

/**
 * Named so that its samples can be recognised in the profile; must stay a plain function.
 * A copy made by `slice` has no allocation site, so V8 never pretenures it into old space, where
 * `new Array(n)` markers went after ~2,000 surviving copies and one in ~2,000 was not sampled.
 */
function leakproofWindowMarker(template: unknown[]): unknown[] {
  return template.slice();
}
neverOptimize(leakproofWindowMarker);

/**
 * Once `mark()` is hot, an optimising compiler inlines the marker into it and the profile names
 * only `mark`: markers were lost after ~550 marks on Node 24 (Maglev), ~2,100 on 20, ~3,000 on 22.
 * A function V8 never optimises is never inlined.
 */
function neverOptimize(fn: (...args: never[]) => unknown): void {
  setFlagsFromString('--allow-natives-syntax');
  try {
    new Function('fn', '%NeverOptimizeFunction(fn)')(fn);
  } catch {
    // A V8 without the intrinsic: markers are still found until the marker is inlined.
  } finally {
    setFlagsFromString('--no-allow-natives-syntax');
  }
}

function windowSurvivors(
  profile: SamplingProfile,
  interval: number,
  markerBytes: number,
  markersExpected: number,
  classify: SampleClassifier,
  keepWindow: (window: number) => boolean,
): WindowedSurvivors {
  const stacks = stacksByNode(profile.head);
  const markerOrdinals: number[] = [];
  for (const sample of profile.samples) {
    const stack = stacks.get(sample.nodeId);
    if (sample.size >= markerBytes && isMarkerStack(stack)) markerOrdinals.push(sample.ordinal);
  }
  markerOrdinals.sort((a, b) => a - b);
  if (markerOrdinals.length !== markersExpected) {
    throw new Error(
      `leakproof: found ${markerOrdinals.length} of ${markersExpected} window markers in the heap profile; ` +
        'another tool may have restarted the sampling heap profiler during the measurement',
    );
  }
  const windows = Math.max(0, markerOrdinals.length - 1);
  // Samples of one profile node share a stack: classify each node once (thousands of samples,
  // tens of nodes; per-sample classification was most of the per-file cost in the benchmark).
  const verdicts = new Map<number, ReturnType<SampleClassifier>>();
  const bySite = new Map<string, SiteSurvivors>();
  const ignoredBytes = new Map<string, number>();
  for (const sample of profile.samples) {
    const window = windowOf(sample.ordinal, markerOrdinals);
    if (window < 0 || !keepWindow(window)) continue;
    const stack = stacks.get(sample.nodeId) ?? [];
    if (isMarkerStack(stack)) continue;
    let verdict = verdicts.get(sample.nodeId);
    if (verdict === undefined) {
      verdict = classify(stack);
      verdicts.set(sample.nodeId, verdict);
    }
    if (!verdict) continue;
    // A sample stands for 1 / P(sampled) objects of its size (V8 samples by bytes, Poisson).
    const weight = 1 / (1 - Math.exp(-sample.size / interval));
    if ('ignored' in verdict) {
      ignoredBytes.set(verdict.ignored, (ignoredBytes.get(verdict.ignored) ?? 0) + sample.size * weight);
      continue;
    }
    const key = verdict.site ? jsSiteKey(verdict.site) : NO_JS_FRAME_KEY;
    let entry = bySite.get(key);
    if (!entry) {
      entry = { site: verdict.site, key, stack, counts: new Array(windows).fill(0), bytes: new Array(windows).fill(0) };
      bySite.set(key, entry);
    }
    entry.counts[window] += weight;
    entry.bytes[window] += sample.size * weight;
  }
  return { windows, sites: [...bySite.values()], ignoredBytes };
}

/** The marker's copy is made inside `slice`, which shows as a frame of its own (no script). */
function isMarkerStack(stack: JsSite[] | undefined): boolean {
  const frame = stack?.find((f) => f.file !== '');
  return frame?.function === MARKER_FUNCTION;
}

const NO_JS_FRAME_KEY = '(no JS frame)';

function windowOf(ordinal: number, markers: number[]): number {
  if (markers.length < 2 || ordinal < markers[0] || ordinal > markers[markers.length - 1]) return -1;
  let lo = 0;
  let hi = markers.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (markers[mid] < ordinal) lo = mid;
    else hi = mid;
  }
  return lo;
}

function stacksByNode(head: ProfileNode): Map<number, JsSite[]> {
  const stacks = new Map<number, JsSite[]>();
  const walk = (node: ProfileNode, parent: JsSite[]): void => {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const isRoot = node === head || functionName === '(root)';
    // The profile's positions are 0-based; sites are 1-based like stack traces.
    const stack = isRoot ? parent : [jsSite(functionName, url, lineNumber + 1, columnNumber + 1), ...parent];
    stacks.set(node.id, stack);
    for (const child of node.children) walk(child, stack);
  };
  walk(head, []);
  return stacks;
}
