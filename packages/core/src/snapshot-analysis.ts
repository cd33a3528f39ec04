import type { EdgeKind, RetainerHop, RootKind } from './types';

export interface SnapshotAnalysisInput {
  snapshot: string;
  /** Objects with a higher id were allocated after tracking started. */
  watermark: number;
  /** Groups with fewer survivors are left out. */
  minCount: number;
}

export interface SnapshotGroup {
  name: string;
  count: number;
  selfSize: number;
  /** From the snapshot's root to the group's median object (the object itself is `name`). */
  retainers: RetainerHop[];
}

interface RawSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Node types that are program objects; the rest are V8 internals (code, maps, backing stores). */
const PROGRAM_TYPES = new Set([
  'object',
  'closure',
  'string',
  'concatenated string',
  'sliced string',
  'regexp',
  'number',
  'bigint',
  'symbol',
]);

/** Parses a heap snapshot and groups the live objects allocated after `watermark`, by constructor. */
const MAX_GROUPS = 50;

export function analyseSnapshot({ snapshot, watermark, minCount }: SnapshotAnalysisInput): SnapshotGroup[] {
  const raw = JSON.parse(snapshot) as RawSnapshot;
  const heap = new HeapGraph(raw);
  const parents = heap.shortestPathsFromRoot();
  const groups = new Map<string, { count: number; selfSize: number; nodes: number[] }>();
  for (let node = 0; node < heap.nodeCount; node++) {
    // Odd ids are JS heap objects; even ids are the embedder's native nodes, renumbered per snapshot.
    const id = heap.id(node);
    if (id <= watermark || id % 2 === 0 || !PROGRAM_TYPES.has(heap.type(node))) continue;
    if (parents.parentNode[node] === -1) continue; // not held through a durable root
    const name = heap.groupName(node);
    const group = groups.get(name) ?? { count: 0, selfSize: 0, nodes: [] };
    group.count++;
    group.selfSize += heap.selfSize(node);
    group.nodes.push(node);
    groups.set(name, group);
  }
  return (
    [...groups]
      .filter(([, g]) => g.count >= minCount)
      .sort((a, b) => b[1].count - a[1].count)
      // Enough groups that a checkpoint's few objects are not crowded out by the bookkeeping of the
      // awaits around it (strings, closures, promises: 12 groups of 8-114 objects, measured).
      .slice(0, MAX_GROUPS)
      // The median object by id: from the middle of the calls, not a straggler of the bookkeeping.
      .map(([name, g]) => {
        const sample = g.nodes.sort((a, b) => heap.id(a) - heap.id(b))[g.nodes.length >> 1];
        return { name, count: g.count, selfSize: g.selfSize, retainers: heap.pathTo(sample, parents) };
      })
  );
}

interface ParentLinks {
  parentEdge: Int32Array;
  parentNode: Int32Array;
}

/**
 * V8's GC root groups, by the name its snapshot gives them inside parentheses: `(Global handles)`.
 *
 * Some are roots nothing can leak through: V8's own caches (string table, compilation cache), and
 * the stack and handle scopes of the code running while the snapshot is taken, which is
 * leakproof's own (e.g. promise ids async_hooks keeps for its pending awaits, seen 1 run in 5).
 * The search for retainers does not enter them, so an object held only through them is never a
 * candidate, and one also held by a variable gets the variable's path.
 */
const ROOT_GROUPS: Record<string, { kind: RootKind; transient?: true }> = {
  'Global handles': { kind: 'global-handles' },
  'Strong roots': { kind: 'strong-roots' },
  'Internalized strings': { kind: 'other', transient: true },
  'Compilation cache': { kind: 'other', transient: true },
  'Startup object cache': { kind: 'other', transient: true },
  'Read-only roots': { kind: 'other', transient: true },
  Builtins: { kind: 'other', transient: true },
  'Code flusher': { kind: 'other', transient: true },
  'External strings': { kind: 'other', transient: true },
  'Stack roots': { kind: 'other', transient: true },
  'Handle scope': { kind: 'other', transient: true },
};

/** The root group a synthetic node's name stands for: `(Global handles)`, also with a suffix. */
function rootGroup(name: string): { kind: RootKind; transient?: true } {
  const inner = /^\(([^)]*)\)/.exec(name)?.[1];
  return (inner !== undefined && ROOT_GROUPS[inner]) || { kind: 'other' };
}

const EDGE_KINDS = new Set<string>(['property', 'element', 'context', 'internal', 'hidden', 'shortcut']);

class HeapGraph {
  readonly nodeCount: number;
  private readonly nodeFields: number;
  private readonly edgeFields: number;
  private readonly firstEdge: Uint32Array;
  private readonly f: Record<string, number>;
  private readonly e: Record<string, number>;

  constructor(private readonly raw: RawSnapshot) {
    const meta = raw.snapshot.meta;
    this.nodeFields = meta.node_fields.length;
    this.edgeFields = meta.edge_fields.length;
    this.f = Object.fromEntries(meta.node_fields.map((name, i) => [name, i]));
    this.e = Object.fromEntries(meta.edge_fields.map((name, i) => [name, i]));
    this.nodeCount = raw.nodes.length / this.nodeFields;
    this.firstEdge = new Uint32Array(this.nodeCount + 1);
    for (let n = 0, edge = 0; n < this.nodeCount; n++) {
      this.firstEdge[n] = edge;
      edge += raw.nodes[n * this.nodeFields + this.f.edge_count] * this.edgeFields;
    }
    this.firstEdge[this.nodeCount] = raw.edges.length;
  }

  type(node: number): string {
    return this.raw.snapshot.meta.node_types[0][this.raw.nodes[node * this.nodeFields + this.f.type]];
  }
  name(node: number): string {
    return this.raw.strings[this.raw.nodes[node * this.nodeFields + this.f.name]];
  }
  id(node: number): number {
    return this.raw.nodes[node * this.nodeFields + this.f.id];
  }
  selfSize(node: number): number {
    return this.raw.nodes[node * this.nodeFields + this.f.self_size];
  }

  /** What a reader calls the object: its constructor, `(closure) name`, `string`... */
  groupName(node: number): string {
    const type = this.type(node);
    if (type === 'object') return this.name(node);
    if (type === 'closure') return `(closure) ${this.name(node) || '(anonymous)'}`;
    if (type.endsWith('string')) return 'string';
    return type;
  }

  private displayName(node: number): string {
    const type = this.type(node);
    if (type === 'synthetic') return this.name(node);
    if (type === 'hidden' || type === 'array' || type === 'code') return `(${type}) ${this.name(node)}`.trim();
    return this.groupName(node);
  }

  /** The edge as data: its name (or index) and V8's edge type. */
  private edgeOf(edge: number): { edge: string; edgeKind: EdgeKind } {
    const type = this.raw.snapshot.meta.edge_types[0][this.raw.edges[edge + this.e.type]];
    const nameOrIndex = this.raw.edges[edge + this.e.name_or_index];
    const edgeKind = (EDGE_KINDS.has(type) ? type : 'property') as EdgeKind;
    // Elements and hidden edges are numbered; the others name a string.
    const name = edgeKind === 'element' || edgeKind === 'hidden' ? String(nameOrIndex) : this.raw.strings[nameOrIndex];
    return { edge: name, edgeKind };
  }

  /** Breadth-first from the snapshot root over strong edges: parent node and edge per node (-1: none). */
  shortestPathsFromRoot(): ParentLinks {
    const parentEdge = new Int32Array(this.nodeCount).fill(-1);
    const parentNode = new Int32Array(this.nodeCount).fill(-1);
    const seen = new Uint8Array(this.nodeCount);
    const weak = this.raw.snapshot.meta.edge_types[0].indexOf('weak');
    const queue = new Uint32Array(this.nodeCount);
    let head = 0;
    let tail = 0;
    queue[tail++] = 0;
    seen[0] = 1;
    while (head < tail) {
      const node = queue[head++];
      for (let edge = this.firstEdge[node]; edge < this.firstEdge[node + 1]; edge += this.edgeFields) {
        if (this.raw.edges[edge + this.e.type] === weak) continue;
        const to = this.raw.edges[edge + this.e.to_node] / this.nodeFields;
        if (seen[to]) continue;
        if (this.type(to) === 'synthetic' && rootGroup(this.name(to)).transient) continue;
        seen[to] = 1;
        parentEdge[to] = edge;
        parentNode[to] = node;
        queue[tail++] = to;
      }
    }
    return { parentEdge, parentNode };
  }

  /** The hops from the snapshot's root down to `target` (which is not included). */
  pathTo(target: number, { parentEdge, parentNode }: ParentLinks): RetainerHop[] {
    const hops: RetainerHop[] = [];
    let node = target;
    for (let guard = 0; node !== 0 && guard < 100; guard++) {
      const edge = parentEdge[node];
      if (edge < 0) return [];
      const holder = parentNode[node];
      const synthetic = holder !== 0 && this.type(holder) === 'synthetic';
      hops.unshift({
        // The snapshot's own root node has no name a reader needs.
        holder: holder === 0 ? '' : this.displayName(holder),
        ...(synthetic ? { root: rootGroup(this.name(holder)).kind } : {}),
        ...this.edgeOf(edge),
      });
      node = holder;
    }
    return hops;
  }
}
