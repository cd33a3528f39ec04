import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { settle } from './gc';
import type { InspectorClient } from './inspector-client';
import type { SnapshotAnalysisInput, SnapshotGroup } from './snapshot-analysis';
import type { RetainerHop } from './types';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ExplainedGroup {
  /** Constructor name (`Array`, `Foo`), `(closure) name`, `string`... */
  name: string;
  countPerCall: number;
  bytesPerCall: number;
  retainers: RetainerHop[];
}

const debuggerPrimed = new WeakSet<InspectorClient>();

export interface ExplainSession {
  client: InspectorClient;
  /** Every object alive when tracking started has an id at most this; later ones get higher ids. */
  watermark: number;
  /** Tracking already stopped (the ids stay): the final snapshot is a plain takeHeapSnapshot. */
  trackingStopped: boolean;
}

/**
 * Starts heap object tracking: V8 gives every live object an id, and reports the highest one on
 * its first stats push (a timer of the inspector, ~30-50 ms later). Allocation tracking is not
 * used: V8 11.3 does not record allocations of already-optimized code (measured: 0 of 100).
 */
export async function startExplaining(client: InspectorClient, { stopTracking = false } = {}): Promise<ExplainSession> {
  primeDebugger(client);
  client.post('HeapProfiler.enable');
  let lastSeen = 0;
  const off = client.on('HeapProfiler.lastSeenObjectId', (m) => {
    lastSeen ||= m.params.lastSeenObjectId;
  });
  try {
    client.post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: false });
    const deadline = performance.now() + 2000;
    while (lastSeen === 0) {
      if (performance.now() > deadline) {
        await takeSnapshot(client, 'HeapProfiler.stopTrackingHeapObjects', { keep: false });
        throw new Error('the inspector never reported heap object ids (HeapProfiler.lastSeenObjectId)');
      }
      await sleep(5);
    }
  } finally {
    off();
  }
  if (stopTracking) {
    // While tracking, the inspector pushes heap stats every 50 ms, and each push is a full GC
    // plus a heap walk (V8's HeapObjectsMap::UpdateHeapObjectsMap). Calls that wait on the event
    // loop then run one GC each once a GC takes longer than 50 ms: 200 async calls took 45 s on a
    // loaded 2-core machine with a ts-jest worker's heap. Stopping costs one snapshot, and the ids
    // stay (V8 keeps tracking object moves once a snapshot was taken).
    await takeSnapshot(client, 'HeapProfiler.stopTrackingHeapObjects', { keep: false });
  }
  return { client, watermark: lastSeen, trackingStopped: stopTracking };
}

/**
 * Settles, then stops tracking. Stopping takes the heap snapshot itself (V8 ends a tracking
 * session with one): taking another first would double the cost, ~1-3 s each on a big heap.
 */
export async function explainSurvivorsSince(
  { client, watermark, trackingStopped }: ExplainSession,
  calls: number,
  minCount = Math.max(10, Math.ceil(calls * 0.05)),
): Promise<SnapshotGroup[]> {
  let snapshot: string;
  try {
    await settle();
  } finally {
    snapshot = await takeSnapshot(client, trackingStopped ? 'HeapProfiler.takeHeapSnapshot' : 'HeapProfiler.stopTrackingHeapObjects');
  }
  return analyseInWorker({ snapshot, watermark, minCount });
}

/**
 * Explains a confirmed leak with one heap snapshot: objects allocated during `calls` calls (ids
 * above the watermark) that survive a GC, grouped by constructor, each with
 * a retainer path to a GC root. Slow (about a second on a 20 MB heap), so
 * only run once the cheap sampling rounds have confirmed growth. One-time work during these calls
 * (JIT, a cache slot) stays below the 1-in-20-calls floor; a leak scales with the calls.
 */
export async function explainSurvivors(
  client: InspectorClient,
  runCalls: () => Promise<void>,
  calls: number,
  minCount?: number,
  { callsWaitOnEventLoop = false } = {},
): Promise<ExplainedGroup[]> {
  const session = await startExplaining(client, { stopTracking: callsWaitOnEventLoop });
  try {
    await runCalls();
  } catch (error) {
    if (!session.trackingStopped) await takeSnapshot(client, 'HeapProfiler.stopTrackingHeapObjects', { keep: false });
    throw error;
  }
  const groups = await explainSurvivorsSince(session, calls, minCount);
  return groups.map((g) => ({
    name: g.name,
    countPerCall: g.count / calls,
    bytesPerCall: g.selfSize / calls,
    retainers: g.retainers,
  }));
}

/**
 * Node 20's V8 resolves line ends for every function while snapshotting unless the Debugger
 * domain has been enabled once; with typescript.js loaded that took minutes (measured, see
 * shared notes). Enabling and disabling it first brings it back to seconds.
 */
function primeDebugger(client: InspectorClient): void {
  if (debuggerPrimed.has(client)) return;
  client.post('Debugger.enable');
  client.post('Debugger.disable');
  debuggerPrimed.add(client);
}

/**
 * Takes a snapshot (stopping tracking always takes one) and returns its JSON text, or lets V8
 * stream one nobody reads (`keep: false`).
 */
async function takeSnapshot(client: InspectorClient, method: SnapshotMethod, { keep = true } = {}): Promise<string> {
  const chunks: string[] = [];
  const off = client.on('HeapProfiler.addHeapSnapshotChunk', (m) => {
    if (keep) chunks.push(m.params.chunk);
  });
  try {
    await client.postAsync(method, { reportProgress: false });
  } finally {
    off();
  }
  if (keep && chunks.length === 0) throw new Error('the inspector returned an empty heap snapshot');
  return chunks.join('');
}

type SnapshotMethod = 'HeapProfiler.takeHeapSnapshot' | 'HeapProfiler.stopTrackingHeapObjects';

/** Parsing a snapshot in this isolate would fill the heap being measured: use a worker's own. */
function analyseInWorker(input: SnapshotAnalysisInput): Promise<SnapshotGroup[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'snapshot-worker.js'), { workerData: input });
    worker.once('message', (groups: SnapshotGroup[]) => resolve(groups));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the snapshot analysis worker exited with code ${code}`));
    });
  });
}
