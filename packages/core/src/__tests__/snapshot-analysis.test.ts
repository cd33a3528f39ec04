/** @jest-environment node */
import { InspectorClient } from '../inspector-client';
import { startExplaining } from '../explain';
import { retainerPathText } from '../format';
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

/** The retainer path as a reader sees it, GC root first, ending at the object. */
function pathText(g: SnapshotGroup): string[] {
  return retainerPathText(g.retainers, g.name);
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
  const path = pathText(late);
  expect(path[path.length - 1]).toBe('SnapLateThing');
  expect(path.some((hop) => hop.includes('lateHolder (closure variable)'))).toBe(true);
  // The hop right before the object is the holding array, with the element index.
  expect(path[path.length - 2]).toMatch(/^Array\[\d+\]$/);
  expect(path.indexOf(path.find((h) => h.includes('lateHolder'))!)).toBeLessThan(path.length - 2);
  expect(path.join(' ')).toMatch(/GC roots/);
});

test('the retainer path as data: a closure variable is a context hop named by the variable, the array an element hop', () => {
  const hops = group(groups, 'SnapLateThing')!.retainers;
  const variable = hops.find((h) => h.edgeKind === 'context' && h.edge === 'lateHolder');
  expect(variable).toBeDefined();
  expect(variable!.root).toBeUndefined();
  expect(hops[hops.length - 1]).toMatchObject({ holder: 'Array', edgeKind: 'element', edge: expect.stringMatching(/^\d+$/) });
  // GC root groups first (each hop held by one says its kind), then heap objects (none).
  const firstHeapHop = hops.findIndex((h, i) => i > 0 && h.root === undefined);
  expect(hops.slice(firstHeapHop).every((h) => h.root === undefined)).toBe(true);
});

test('objects created before the watermark are not counted, even of a class that also grew after it', () => {
  const early = group(groups, 'SnapEarlyThing');
  expect(early).toBeDefined();
  expect(earlyHolder).toHaveLength(65);
  expect(early!.count).toBe(25);
  expect(pathText(early!).some((hop) => hop.includes('earlyHolder (closure variable)'))).toBe(true);
  expect(early!.retainers).toContainEqual(expect.objectContaining({ edgeKind: 'context', edge: 'earlyHolder' }));
});

test('closures are grouped as "(closure) name"', () => {
  const handlers = group(groups, '(closure) snapLateHandler');
  expect(handlers).toBeDefined();
  expect(handlers!.count).toBe(45);
  const path = pathText(handlers!);
  expect(path[path.length - 1]).toBe('(closure) snapLateHandler');
  expect(path[path.length - 2]).toMatch(/^Array\[\d+\]$/);
  expect(path.some((hop) => hop.includes('handlerHolder (closure variable)'))).toBe(true);
});

test('minCount leaves out smaller groups; groups come biggest first, at most 50', () => {
  expect(group(groupsMin50, 'SnapLateThing')?.count).toBe(50);
  expect(group(groupsMin51, 'SnapLateThing')).toBeUndefined();
  expect(group(groupsMin51, 'SnapEarlyThing')).toBeUndefined();
  for (const g of groupsMin51) expect(g.count).toBeGreaterThanOrEqual(51);
  expect(groups.length).toBeLessThanOrEqual(50);
  for (const g of groups) expect(g.count).toBeGreaterThanOrEqual(5);
  for (let i = 1; i < groups.length; i++) expect(groups[i - 1].count).toBeGreaterThanOrEqual(groups[i].count);
});

test('a watermark above every object id counts nothing', () => {
  expect(groupsAboveAllIds).toEqual([]);
});

/**
 * A heap snapshot in V8's format, built by hand: exactly the graph a test needs (V8 gives a
 * napi_ref's object a global handle only through an addon, and orders its roots as it likes).
 */
class SnapshotBuilder {
  private readonly nodes: Array<{
    type: string;
    name: string;
    id: number;
    edges: Array<{ type: string; name: string | number; to: number }>;
  }> = [];
  private nextId = 1;
  readonly root = this.node('synthetic', '');
  readonly gcRoots = this.node('synthetic', '(GC roots)');

  constructor() {
    this.edge(this.root, 'element', 1, this.gcRoots);
  }

  /** A node; `young` ones get ids above the watermark (odd ids: JS heap objects). */
  node(type: string, name: string, young = false): number {
    const id = young ? 1_000_001 + 2 * this.nodes.length : (this.nextId += 2);
    this.nodes.push({ type, name, id, edges: [] });
    return this.nodes.length - 1;
  }

  /** A GC root group under (GC roots), as V8 names them: `(Global handles)`, `(Stack roots)`. */
  rootGroup(name: string): number {
    const group = this.node('synthetic', name);
    this.edge(this.gcRoots, 'element', this.nodes[this.gcRoots].edges.length + 1, group);
    return group;
  }

  edge(from: number, type: string, name: string | number, to: number): void {
    this.nodes[from].edges.push({ type, name, to });
  }

  toJSON(): string {
    const nodeTypes = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic'];
    const edgeTypes = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];
    const strings: string[] = [];
    const str = (s: string): number => (strings.includes(s) ? strings.indexOf(s) : strings.push(s) - 1);
    const nodes: number[] = [];
    const edges: number[] = [];
    for (const n of this.nodes) {
      nodes.push(nodeTypes.indexOf(n.type), str(n.name), n.id, 16, n.edges.length, 0, 0);
      for (const e of n.edges) {
        const numbered = e.type === 'element' || e.type === 'hidden';
        edges.push(edgeTypes.indexOf(e.type), numbered ? Number(e.name) : str(String(e.name)), e.to * 7);
      }
    }
    const meta = {
      node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
      node_types: [nodeTypes, 'string', 'number', 'number', 'number', 'number', 'number'],
      edge_fields: ['type', 'name_or_index', 'to_node'],
      edge_types: [edgeTypes, 'string_or_number', 'node'],
    };
    return JSON.stringify({ snapshot: { meta, node_count: this.nodes.length, edge_count: edges.length / 3 }, nodes, edges, strings });
  }
}

describe('retainers as data, on a hand-built snapshot', () => {
  const WATERMARK = 1_000_000;

  function analyseBuilt(b: SnapshotBuilder, minCount = 1): SnapshotGroup[] {
    return analyseSnapshot({ snapshot: b.toJSON(), watermark: WATERMARK, minCount });
  }

  test('an object held by a napi_ref: the first hops are GC root groups, the last a global handle (root: global-handles)', () => {
    const b = new SnapshotBuilder();
    const handles = b.rootGroup('(Global handles)');
    for (let i = 0; i < 3; i++) b.edge(handles, 'internal', String(i + 5), b.node('object', 'NapiHeld', true));
    const [held] = analyseBuilt(b);
    expect(held).toMatchObject({ name: 'NapiHeld', count: 3, selfSize: 48 });
    expect(held.retainers).toEqual([
      { holder: '', edge: '1', edgeKind: 'element' },
      { holder: '(GC roots)', root: 'other', edge: '1', edgeKind: 'element' },
      { holder: '(Global handles)', root: 'global-handles', edge: '6', edgeKind: 'internal' },
    ]);
  });

  test('an object held by a closure variable: a context hop named by the variable', () => {
    const b = new SnapshotBuilder();
    const strong = b.rootGroup('(Strong roots)');
    const context = b.node('object', 'system / Context');
    const cache = b.node('object', 'Array');
    b.edge(strong, 'internal', 'current_microtask', context);
    b.edge(context, 'context', 'cache', cache);
    for (let i = 0; i < 2; i++) b.edge(cache, 'element', i, b.node('object', 'Cached', true));
    const [cached] = analyseBuilt(b);
    expect(cached.name).toBe('Cached');
    expect(cached.retainers.slice(2)).toEqual([
      { holder: '(Strong roots)', root: 'strong-roots', edge: 'current_microtask', edgeKind: 'internal' },
      { holder: 'system / Context', edge: 'cache', edgeKind: 'context' },
      { holder: 'Array', edge: '1', edgeKind: 'element' },
    ]);
    expect(retainerPathText(cached.retainers, cached.name).slice(-3)).toEqual([
      'system / Context.cache (closure variable)',
      'Array[1]',
      'Cached',
    ]);
  });

  test("transient roots (the running code's stack and handle scopes) are never entered; weak edges hold nothing", () => {
    const b = new SnapshotBuilder();
    const stack = b.rootGroup('(Stack roots)');
    const scope = b.rootGroup('(Handle scope)');
    const globals = b.rootGroup('(Global handles)');
    b.edge(scope, 'internal', '1', b.node('object', 'OnlyInAHandleScope', true));
    b.edge(globals, 'weak', '2', b.node('object', 'OnlyWeak', true));
    // Held by the stack and by a variable: it gets the variable's path.
    const both = b.node('object', 'AlsoOnTheStack', true);
    const context = b.node('object', 'system / Context');
    b.edge(stack, 'internal', '1', both);
    b.edge(globals, 'internal', '3', context);
    b.edge(context, 'context', 'pending', both);
    const groups = analyseBuilt(b);
    expect(groups.map((g) => g.name)).toEqual(['AlsoOnTheStack']);
    expect(groups[0].retainers.slice(2)).toEqual([
      { holder: '(Global handles)', root: 'global-handles', edge: '3', edgeKind: 'internal' },
      { holder: 'system / Context', edge: 'pending', edgeKind: 'context' },
    ]);
  });

  test('at most 50 groups, the biggest', () => {
    const b = new SnapshotBuilder();
    const holder = b.node('object', 'Object');
    b.edge(b.rootGroup('(Strong roots)'), 'internal', 'holder', holder);
    for (let kind = 1; kind <= 60; kind++) {
      for (let i = 0; i < kind; i++) b.edge(holder, 'property', `k${kind}_${i}`, b.node('object', `Kind${kind}`, true));
    }
    const groups = analyseBuilt(b);
    expect(groups).toHaveLength(50);
    expect(groups[0]).toMatchObject({ name: 'Kind60', count: 60 });
    expect(groups[49]).toMatchObject({ name: 'Kind11', count: 11 });
  });
});
