import { InspectorClient } from '../inspector-client';
import { startExplaining } from '../explain';
import { forceGc } from '../gc';
import { analyseSnapshot, type SnapshotGroup } from '../snapshot-analysis';

// Uniquely named classes so that their groups in a real heap snapshot are only ours.
class SnapEarlyThing {
  constructor(readonly n: number) {}
}
class SnapLateThing {
  constructor(readonly n: number) {}
}

// Module-level holders: the retainer path of a survivor must name them.
const earlyHolder: SnapEarlyThing[] = [];
const lateHolder: SnapLateThing[] = [];
const handlerHolder: Array<() => number> = [];

let client: InspectorClient;
let snapshot: string | undefined;
let watermark = 0;

/** Ends the tracking session started by startExplaining: V8 answers with a heap snapshot. */
function stopTrackingAndCollect(c: InspectorClient): string {
  const chunks: string[] = [];
  const off = c.on('HeapProfiler.addHeapSnapshotChunk', (m) => chunks.push(m.params.chunk));
  try {
    c.post('HeapProfiler.stopTrackingHeapObjects', { reportProgress: false });
  } finally {
    off();
  }
  return chunks.join('');
}

// The holders are filled in helpers that return before the snapshot: a holder still in a register
// of the running frame would be reached from "(Stack roots)" instead of through its variable.
function allocateEarly(count: number, from: number): void {
  for (let i = 0; i < count; i++) earlyHolder.push(new SnapEarlyThing(from + i));
}
function allocateLate(): void {
  for (let i = 0; i < 50; i++) lateHolder.push(new SnapLateThing(i));
  for (let i = 0; i < 45; i++) {
    const n = i;
    handlerHolder.push(function snapLateHandler() {
      return n;
    });
  }
  // Garbage allocated after the watermark: dead at snapshot time, so not counted.
  for (let i = 0; i < 500; i++) new SnapLateThing(-i);
}

let groups: SnapshotGroup[] = [];
let groupsMin50: SnapshotGroup[] = [];
let groupsMin51: SnapshotGroup[] = [];
let groupsAboveAllIds: SnapshotGroup[] = [];
let snapshotLength = 0;

beforeAll(async () => {
  client = new InspectorClient();
  // 40 objects that exist before the watermark: they must never be counted.
  allocateEarly(40, 0);
  const session = await startExplaining(client);
  watermark = session.watermark;
  allocateLate();
  // 25 more of the early class after the watermark: only these count.
  allocateEarly(25, 100);
  forceGc();
  snapshot = stopTrackingAndCollect(client);
  snapshotLength = snapshot.length;
  // Each analysis parses the whole snapshot (~0.5 s): run them once, then drop the snapshot.
  groups = analyse(5);
  groupsMin50 = analyse(50);
  groupsMin51 = analyse(51);
  groupsAboveAllIds = analyse(1, Number.MAX_SAFE_INTEGER);
  expect(snapshot.startsWith('{"snapshot":')).toBe(true);
  snapshot = undefined;
});

afterAll(() => {
  snapshot = undefined;
  client?.disconnect();
});

function analyse(minCount: number, mark = watermark): SnapshotGroup[] {
  return analyseSnapshot({ snapshot: snapshot as string, watermark: mark, minCount });
}

function group(groups: SnapshotGroup[], name: string): SnapshotGroup | undefined {
  return groups.find((g) => g.name === name);
}

test('the tracking session reported a watermark and V8 returned a real snapshot', () => {
  expect(watermark).toBeGreaterThan(0);
  expect(snapshotLength).toBeGreaterThan(100_000);
});

test('the 50 surviving instances allocated after the watermark form one group named by their class', () => {
  const late = group(groups, 'SnapLateThing');
  expect(late).toBeDefined();
  // Exactly the retained ones: the 500 dead instances allocated after the watermark are gone.
  expect(late!.count).toBe(50);
  expect(late!.selfSize).toBeGreaterThanOrEqual(50 * 8);
  expect(late!.selfSize).toBeLessThanOrEqual(50 * 256);
});

test('the retainer path goes from a GC root through the holding variable and its array to the object', () => {
  const late = group(groups, 'SnapLateThing')!;
  const path = late.retainerPath;
  expect(path[path.length - 1]).toBe('SnapLateThing');
  expect(path.some((hop) => hop.includes('lateHolder (closure variable)'))).toBe(true);
  // The hop right before the object is the holding array, with the element index.
  expect(path[path.length - 2]).toMatch(/^Array\[\d+\]$/);
  expect(path.indexOf(path.find((h) => h.includes('lateHolder'))!)).toBeLessThan(path.length - 2);
  expect(path.join(' ')).toMatch(/GC roots/);
});

test('objects created before the watermark are not counted, even of a class that also grew after it', () => {
  const early = group(groups, 'SnapEarlyThing');
  expect(early).toBeDefined();
  expect(earlyHolder).toHaveLength(65);
  expect(early!.count).toBe(25);
  expect(early!.retainerPath.some((hop) => hop.includes('earlyHolder (closure variable)'))).toBe(true);
});

test('closures are grouped as "(closure) name"', () => {
  const handlers = group(groups, '(closure) snapLateHandler');
  expect(handlers).toBeDefined();
  expect(handlers!.count).toBe(45);
  const path = handlers!.retainerPath;
  expect(path[path.length - 1]).toBe('(closure) snapLateHandler');
  expect(path[path.length - 2]).toMatch(/^Array\[\d+\]$/);
  expect(path.some((hop) => hop.includes('handlerHolder (closure variable)'))).toBe(true);
});

test('minCount leaves out smaller groups; groups come biggest first, at most 12', () => {
  expect(group(groupsMin50, 'SnapLateThing')?.count).toBe(50);
  expect(group(groupsMin51, 'SnapLateThing')).toBeUndefined();
  expect(group(groupsMin51, 'SnapEarlyThing')).toBeUndefined();
  for (const g of groupsMin51) expect(g.count).toBeGreaterThanOrEqual(51);
  expect(groups.length).toBeLessThanOrEqual(12);
  for (const g of groups) expect(g.count).toBeGreaterThanOrEqual(5);
  for (let i = 1; i < groups.length; i++) expect(groups[i - 1].count).toBeGreaterThanOrEqual(groups[i].count);
});

test('a watermark above every object id counts nothing', () => {
  expect(groupsAboveAllIds).toEqual([]);
});
