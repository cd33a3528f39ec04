/** @jest-environment node */
import * as path from 'node:path';
import {
  formatBytes,
  formatCount,
  formatFinding,
  formatMeasurement,
  formatVerdict,
  hopText,
  NO_JS_FRAME_TEXT,
  retainerPathText,
  shortRetainerText,
  siteText,
  stackText,
  whatText,
} from '../format';
import { jsSite } from '../stack';
import type { JsSite, LeakFinding, LeakVerdict, NativeSite, RetainerHop } from '../types';

const appFile = path.join(process.cwd(), 'src', 'sessions.js');
const stack: JsSite[] = [
  // A profile's ES module frame: a file:// URL, read as the path.
  jsSite('openSession', `file://${appFile}`, 12, 7),
  { lang: 'js', function: 'handleRequest', file: appFile, line: 40, column: 3 },
  { lang: 'js', function: '', file: 'node:internal/timers', line: 1, column: 1 },
];

// A retainer path as analyseSnapshot finds it for a module-level array: GC root first.
const retainers: RetainerHop[] = [
  { holder: '', edge: '1', edgeKind: 'element' },
  { holder: '(GC roots)', root: 'other', edge: '7', edgeKind: 'element' },
  { holder: '(Global handles)', root: 'global-handles', edge: '22', edgeKind: 'internal' },
  { holder: 'system / NativeContext', edge: 'global', edgeKind: 'internal' },
  { holder: 'system / Context', edge: 'sessions', edgeKind: 'context' },
  { holder: 'Array', edge: '41', edgeKind: 'element' },
];
// The same path as text, as a reader sees it (and as 0.1 wrote it).
const retainerPath = [
  '[1]',
  '(GC roots)[7]',
  '(Global handles).(22)',
  'system / NativeContext.(global)',
  'system / Context.sessions (closure variable)',
  'Array[41]',
  'SessionRecord',
];

const objects: LeakFinding = {
  kind: 'js-objects',
  name: 'SessionRecord',
  site: stack[0],
  count: 1,
  bytes: 48,
  per: 'call',
  perRound: [16, 16.2, 15.8, 16, 16],
  stack,
  retainers,
};

const handles: LeakFinding = { kind: 'handles', name: 'Timeout', site: null, count: 1, bytes: 0, per: 'call', perRound: [] };

const nativeFrame = (fn: string | null, object: string | null, offset = 0x10): NativeSite => ({
  lang: 'native',
  function: fn,
  object,
  offset,
});

describe('formatBytes', () => {
  test.each([
    [0, '0 B'],
    [48, '48 B'],
    [47.6, '48 B'],
    [10 * 1024 - 1, '10239 B'],
    [10 * 1024, '10.0 KB'],
    [123_456, '120.6 KB'],
    [1024 * 1024, '1.0 MB'],
    [1.5 * 1024 * 1024, '1.5 MB'],
    [-20 * 1024, '-20.0 KB'],
  ])('%p -> %p', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('formatCount', () => {
  test.each([
    [1, '1'],
    [2.5, '2.5'],
    [1.25, '1.25'],
    [12.4, '12'],
    [0.1, '0.1'],
    [0.125, '0.125'],
    [0.0625, '0.063'],
  ])('%p -> %p', (n, text) => {
    expect(formatCount(n)).toBe(text);
  });
});

describe('formatFinding', () => {
  test('JS objects: what grew, per call count and bytes, survivors per round, retainer and allocation site', () => {
    const text = formatFinding(objects);
    const lines = text.split('\n');
    expect(lines[0]).toBe('SessionRecord: +1 per call (+48 B/call; survivors per round: 16, 16.2, 15.8, 16, 16)');
    // The path passes a global handle, but a closure variable holds the chain after it (Jest's vm
    // context is held by a global handle on Node 22+): the variable is the culprit, not a napi_ref.
    expect(lines[1]).toBe('  retained by: (GC roots) ... system / Context.sessions (closure variable) -> Array[41] -> SessionRecord');
    expect(lines[2]).toBe(
      '  allocated at: openSession (src/sessions.js:12:7) <- handleRequest (src/sessions.js:40:3) <- (anonymous) (node:internal/timers:1:1)',
    );
    expect(lines).toHaveLength(3);
  });

  test('a path from another root: no global handle line', () => {
    const fromStack: RetainerHop[] = [
      { holder: '', edge: '1', edgeKind: 'element' },
      { holder: '(GC roots)', root: 'other', edge: '7', edgeKind: 'element' },
      { holder: '(Strong roots)', root: 'strong-roots', edge: '46', edgeKind: 'internal' },
      { holder: 'system / Context', edge: 'sessions', edgeKind: 'context' },
      { holder: 'Array', edge: '41', edgeKind: 'element' },
    ];
    const lines = formatFinding({ ...objects, retainers: fromStack }).split('\n');
    expect(lines[1]).toBe('  retained by: (GC roots) ... system / Context.sessions (closure variable) -> Array[41] -> SessionRecord');
    expect(lines).toHaveLength(3);
  });

  test('a fraction of an object per call (a leak on some calls only)', () => {
    const text = formatFinding({ ...objects, count: 0.1, bytes: 20 * 1024 });
    expect(text).toContain('SessionRecord: +0.1 per call (+20.0 KB/call;');
  });

  test('without a snapshot: no retainer line, the sampled site as allocation place, no rounds when none', () => {
    const text = formatFinding({
      kind: 'js-objects',
      name: null,
      site: stack[0],
      count: 2,
      bytes: 96,
      per: 'call',
      perRound: [],
    });
    expect(text).toBe(
      'objects allocated at openSession (src/sessions.js:12:7): +2 per call (+96 B/call)\n  allocated at: openSession (src/sessions.js:12:7)',
    );
    expect(text).not.toContain('retained by');
  });

  test('JS objects made with no JS frame on the stack (an addon callback): said so, as what grew and as the place', () => {
    const text = formatFinding({
      kind: 'js-objects',
      name: null,
      site: null,
      noJsFrame: true,
      count: 1,
      bytes: 32,
      per: 'call',
      perRound: [],
    });
    expect(text.split('\n')).toEqual([
      `${whatText({ ...objects, name: null, site: null, noJsFrame: true })}: +1 per call (+32 B/call)`,
      `  allocated at: ${NO_JS_FRAME_TEXT}`,
    ]);
  });

  test('handles: the resource type, per call, and that it was never closed; no bytes', () => {
    const text = formatFinding(handles);
    expect(text).toBe('open handles: Timeout +1 per call (never closed)');
    expect(formatFinding({ ...handles, name: 'TCPServerWrap', count: 0.25 })).toBe(
      'open handles: TCPServerWrap +0.25 per call (never closed)',
    );
  });

  test('per test (the environment): "in this test"', () => {
    expect(formatFinding({ ...handles, per: 'test', count: 2 })).toBe('open handles: Timeout +2 in this test (never closed)');
  });

  test('native: the owning function, bytes and blocks, every allocation stack', () => {
    const owner = nativeFrame('(anonymous namespace)::LeakMalloc(Napi::CallbackInfo const&)', 'corpus.node');
    const finding: LeakFinding = {
      kind: 'native',
      name: null,
      site: owner,
      count: 2,
      bytes: 112,
      per: 'call',
      perRound: [32, 32, 32],
      allocations: [
        { allocator: 'malloc', stack: [nativeFrame('make_record', 'corpus.node'), owner], count: 1, bytes: 64 },
        { allocator: 'strdup', stack: [nativeFrame(null, 'libc.so.6', 0x1f00), owner], count: 1, bytes: 48 },
      ],
    };
    expect(formatFinding(finding).split('\n')).toEqual([
      'native memory allocated in LeakMalloc (corpus.node): +112 B per call in 2 blocks (never freed; blocks left per round: 32, 32, 32)',
      '  64 B per call allocated at: malloc <- make_record (corpus.node) <- LeakMalloc (corpus.node)',
      '  48 B per call allocated at: strdup <- ??? (libc.so.6+0x1f00) <- LeakMalloc (corpus.node)',
    ]);
  });
});

describe('siteText, stackText', () => {
  test('a JS frame: function and position, relative to the working directory; (anonymous); no script: the name alone', () => {
    expect(siteText(stack[0])).toBe('openSession (src/sessions.js:12:7)');
    expect(siteText(stack[2])).toBe('(anonymous) (node:internal/timers:1:1)');
    expect(siteText({ lang: 'js', function: 'push', file: '', line: 0, column: 0 })).toBe('push');
    expect(siteText({ lang: 'js', function: 'f', file: '/elsewhere/x.js', line: 1, column: 2 })).toBe('f (/elsewhere/x.js:1:2)');
  });

  test('a native frame: short C++ name and object; ??? and the offset without a symbol; the address outside any object', () => {
    expect(siteText(nativeFrame('(anonymous namespace)::LeakMalloc(Napi::CallbackInfo const&)', 'corpus.node'))).toBe(
      'LeakMalloc (corpus.node)',
    );
    expect(siteText(nativeFrame(null, 'libldap.so.2', 0x1f00))).toBe('??? (libldap.so.2+0x1f00)');
    expect(siteText(nativeFrame(null, null, 0x7f00))).toBe('0x7f00');
  });

  test('a stack: innermost first, at most 6 frames', () => {
    expect(stackText(stack, 2)).toBe('openSession (src/sessions.js:12:7) <- handleRequest (src/sessions.js:40:3)');
    expect(stackText(Array.from({ length: 8 }, () => stack[1])).split(' <- ')).toHaveLength(6);
  });
});

describe('whatText: what grew, as a headline names it', () => {
  test('the constructor or the handle type when known', () => {
    expect(whatText(objects)).toBe('SessionRecord');
    expect(whatText(handles)).toBe('Timeout');
  });

  test('JS objects without a name: where they were allocated', () => {
    expect(whatText({ ...objects, name: null })).toBe('objects allocated at openSession (src/sessions.js:12:7)');
    expect(whatText({ ...objects, name: null, site: null, noJsFrame: true })).toBe(
      'objects allocated at (native code called from the event loop: no JS frame)',
    );
    expect(whatText({ ...objects, name: null, site: null })).toBe('objects allocated at (unknown site)');
  });

  test('native memory: the owning function, else the allocator', () => {
    const native: LeakFinding = {
      kind: 'native',
      name: null,
      site: nativeFrame('HandleSearchResult(Foo&)', 'ldap.node'),
      count: 1,
      bytes: 8,
      per: 'call',
      perRound: [],
    };
    expect(whatText(native)).toBe('native memory allocated in HandleSearchResult (ldap.node)');
    expect(whatText({ ...native, site: null, allocations: [{ allocator: 'calloc', stack: [], count: 1, bytes: 8 }] })).toBe(
      'native memory allocated in calloc (no stack)',
    );
  });
});

describe('formatVerdict', () => {
  const verdict: LeakVerdict = {
    leaked: true,
    findings: [objects, handles],
    runs: [
      { warmupCalls: 16, callsPerRound: 16, rounds: 5, growing: [], sporadic: [{ kind: 'js-objects', site: stack[0] }] },
      { warmupCalls: 16, callsPerRound: 64, rounds: 5, growing: [{ kind: 'js-objects', site: stack[0] }], sporadic: [] },
    ],
    totalCalls: 416,
    durationMs: 1234.4,
    notes: ['re-measured with 64 calls per round after a suspicious run', 'survivors at y in some rounds only'],
  };

  test('every finding, then how it was measured, then the notes', () => {
    const text = formatVerdict(verdict);
    const parts = text.split('\n\n');
    expect(parts).toEqual([
      formatFinding(objects),
      formatFinding(handles),
      'measured: 16 warm-up calls, 5 rounds x 16 calls, then 5 rounds x 64 calls (416 calls, 1234 ms)',
      'note: re-measured with 64 calls per round after a suspicious run\nnote: survivors at y in some rounds only',
    ]);
  });

  test('a clean verdict shows only the measurement', () => {
    const clean: LeakVerdict = {
      ...verdict,
      leaked: false,
      findings: [],
      notes: [],
      runs: [verdict.runs[0]],
      totalCalls: 96,
      durationMs: 80,
    };
    expect(formatVerdict(clean)).toBe('measured: 16 warm-up calls, 5 rounds x 16 calls (96 calls, 80 ms)');
    expect(formatMeasurement(clean)).toBe(formatVerdict(clean));
  });
});

describe('retainer paths', () => {
  // Hops as analyseSnapshot builds them.
  const root: RetainerHop = { holder: '', edge: '1', edgeKind: 'element' };
  const gcRoots: RetainerHop = { holder: '(GC roots)', root: 'other', edge: '7', edgeKind: 'element' };
  const variable = (name: string): RetainerHop => ({ holder: 'system / Context', edge: name, edgeKind: 'context' });
  const element = (holder: string, index: number): RetainerHop => ({ holder, edge: String(index), edgeKind: 'element' });

  test('each hop as heap snapshot viewers write it; the whole path ends at the retained object', () => {
    expect(retainerPathText(retainers, 'SessionRecord')).toEqual(retainerPath);
    expect(hopText({ holder: 'Timeout', edge: '_onTimeout', edgeKind: 'property' })).toBe('Timeout._onTimeout');
    expect(hopText({ holder: 'Map', edge: 'table', edgeKind: 'internal' })).toBe('Map.(table)');
    expect(hopText({ holder: 'Object', edge: '3', edgeKind: 'hidden' })).toBe('Object[3]');
    expect(hopText({ holder: '', edge: 'global', edgeKind: 'shortcut' })).toBe('global');
    expect(retainerPathText([variable('x')], null)).toEqual(['system / Context.x (closure variable)']);
  });

  test('starts at the last variable that holds the chain, naming the kind of root', () => {
    expect(shortRetainerText(retainers, 'SessionRecord')).toBe(
      '(GC roots) ... system / Context.sessions (closure variable) -> Array[41] -> SessionRecord',
    );
  });

  test('a napi_ref held object: the global handle root is the anchor', () => {
    const napiRef: RetainerHop[] = [
      root,
      gcRoots,
      { holder: '(Global handles)', root: 'global-handles', edge: '3', edgeKind: 'internal' },
      element('Array', 0),
    ];
    expect(shortRetainerText(napiRef, 'Callback')).toBe('(GC roots: global handle) ... (Global handles).(3) -> Array[0] -> Callback');
    const lines = formatFinding({ ...objects, name: 'Callback', retainers: napiRef }).split('\n');
    expect(lines[1]).toBe('  retained by a global handle: a napi_ref / Napi::Reference (or v8::Persistent) that is never deleted');
  });

  test('a path from another root says (GC roots)', () => {
    const p: RetainerHop[] = [
      root,
      gcRoots,
      { holder: '(Stack roots)', root: 'other', edge: '46', edgeKind: 'internal' },
      variable('lateHolder'),
      element('Array', 25),
    ];
    expect(shortRetainerText(p, 'Late')).toBe('(GC roots) ... system / Context.lateHolder (closure variable) -> Array[25] -> Late');
  });

  test('the innermost of several anchors wins', () => {
    const p: RetainerHop[] = [
      gcRoots,
      variable('registry'),
      { holder: 'Object', edge: 'byId', edgeKind: 'property' },
      variable('pending'),
      element('Array', 0),
    ];
    expect(shortRetainerText(p, 'Job')).toBe('(GC roots) ... system / Context.pending (closure variable) -> Array[0] -> Job');
  });

  test('a timer holding the chain is an anchor', () => {
    const p: RetainerHop[] = [
      root,
      gcRoots,
      { holder: '(Strong roots)', root: 'strong-roots', edge: '12', edgeKind: 'internal' },
      { holder: 'Timeout', edge: '_onTimeout', edgeKind: 'property' },
      { holder: '(closure) tick', edge: 'poller', edgeKind: 'property' },
    ];
    expect(shortRetainerText(p, 'Poller')).toBe('(GC roots) ... Timeout._onTimeout -> (closure) tick.poller -> Poller');
  });

  test("a global property and a module's exports are anchors", () => {
    const viaGlobal: RetainerHop[] = [root, gcRoots, { holder: 'global', edge: 'cache', edgeKind: 'property' }, element('Array', 2)];
    expect(shortRetainerText(viaGlobal, 'Entry')).toBe('(GC roots) ... global.cache -> Array[2] -> Entry');
    const viaExports: RetainerHop[] = [
      root,
      gcRoots,
      { holder: 'Module', edge: 'exports', edgeKind: 'property' },
      { holder: 'Object', edge: 'cache', edgeKind: 'property' },
    ];
    expect(shortRetainerText(viaExports, 'Map')).toBe('(GC roots) ... Module.exports -> Object.cache -> Map');
  });

  test("Node's own module registry: a builtin module's exports are an anchor like a module's", () => {
    // From a real snapshot: Node's internal modules hold their exports in BuiltinModule.map.
    const p: RetainerHop[] = [
      root,
      { holder: '(GC roots)', root: 'other', edge: '13', edgeKind: 'element' },
      { holder: '(Global handles)', root: 'global-handles', edge: '17', edgeKind: 'internal' },
      { holder: '(closure) requireBuiltin', edge: 'context', edgeKind: 'internal' },
      variable('BuiltinModule'),
      { holder: '(closure) BuiltinModule', edge: 'map', edgeKind: 'property' },
      { holder: 'Map', edge: 'table', edgeKind: 'internal' },
      { holder: '(array)', edge: '1226', edgeKind: 'internal' },
      { holder: 'BuiltinModule', edge: 'exports', edgeKind: 'property' },
      { holder: 'Object', edge: '_unrefActive', edgeKind: 'property' },
    ];
    expect(shortRetainerText(p, '(closure) deprecated')).toBe(
      '(GC roots) ... BuiltinModule.exports -> Object._unrefActive -> (closure) deprecated',
    );
  });

  test('a retained timer (or global object) is its own anchor: the short path is the object alone', () => {
    expect(shortRetainerText([root, gcRoots, variable('timers'), element('Array', 3)], 'Timeout')).toBe('(GC roots) ... Timeout');
    expect(shortRetainerText([root, gcRoots, variable('things'), element('Array', 3)], 'globalThing')).toBe('(GC roots) ... globalThing');
    expect(shortRetainerText([root, gcRoots, variable('things'), element('Array', 3)], 'Thing')).toBe(
      '(GC roots) ... system / Context.things (closure variable) -> Array[3] -> Thing',
    );
  });

  test("the snapshot root's internal (global) edge is plumbing, its global shortcut an anchor", () => {
    const internal: RetainerHop = { holder: '', edge: 'global', edgeKind: 'internal' };
    expect(shortRetainerText([root, internal, element('Array', 1)], 'Foo')).toBe('[1] -> (global) -> Array[1] -> Foo');
    const shortcut: RetainerHop = { holder: '', edge: 'global', edgeKind: 'shortcut' };
    expect(shortRetainerText([root, shortcut, element('Array', 1)], 'Foo')).toBe('(GC roots) ... global -> Array[1] -> Foo');
  });

  test('without an anchor past the first hop, the whole path', () => {
    const stackRoot: RetainerHop = { holder: '(Stack roots)', root: 'other', edge: '3', edgeKind: 'internal' };
    expect(shortRetainerText([stackRoot, element('Array', 2)], 'Foo')).toBe('(Stack roots).(3) -> Array[2] -> Foo');
    expect(shortRetainerText([variable('a')], 'Foo')).toBe('system / Context.a (closure variable) -> Foo');
  });
});
