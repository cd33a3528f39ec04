import * as path from 'node:path';
import { formatBytes, formatCount, formatFinding, formatMeasurement, formatVerdict, shortRetainerPath } from '../format';
import type { Frame, LeakFinding, LeakVerdict } from '../types';

const appFile = path.join(process.cwd(), 'src', 'sessions.js');
const stack: Frame[] = [
  { functionName: 'openSession', url: `file://${appFile}`, line: 12, column: 7 },
  { functionName: 'handleRequest', url: appFile, line: 40, column: 3 },
  { functionName: '', url: 'node:internal/timers', line: 1, column: 1 },
];

// A retainer path as analyseSnapshot writes it for a module-level array.
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
  what: 'SessionRecord',
  countPerCall: 1,
  bytesPerCall: 48,
  perRound: [16, 16.2, 15.8, 16, 16],
  site: 'openSession (src/sessions.js:12:7)',
  allocationStack: stack,
  retainerPath,
};

const handles: LeakFinding = { kind: 'handles', what: 'Timeout', countPerCall: 1, bytesPerCall: 0, perRound: [] };

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
    expect(lines[1]).toBe(
      '  retained by: (GC roots: global handle) ... system / Context.sessions (closure variable) -> Array[41] -> SessionRecord',
    );
    expect(lines[2]).toBe(
      '  allocated at: openSession (src/sessions.js:12:7) <- handleRequest (src/sessions.js:40:3) <- (anonymous) (node:internal/timers:1:1)',
    );
    expect(lines).toHaveLength(3);
  });

  test('a fraction of an object per call (a leak on some calls only)', () => {
    const text = formatFinding({ ...objects, countPerCall: 0.1, bytesPerCall: 20 * 1024 });
    expect(text).toContain('SessionRecord: +0.1 per call (+20.0 KB/call;');
  });

  test('without a snapshot: no retainer line, the sampled site as allocation place, no rounds when none', () => {
    const text = formatFinding({
      kind: 'js-objects',
      what: 'objects allocated at openSession (src/sessions.js:12:7)',
      countPerCall: 2,
      bytesPerCall: 96,
      perRound: [],
      site: 'openSession (src/sessions.js:12:7)',
    });
    expect(text).toBe(
      'objects allocated at openSession (src/sessions.js:12:7): +2 per call (+96 B/call)\n  allocated at: openSession (src/sessions.js:12:7)',
    );
    expect(text).not.toContain('retained by');
  });

  test('handles: the resource type, per call, and that it was never closed; no bytes', () => {
    const text = formatFinding(handles);
    expect(text).toBe('open handles: Timeout +1 per call (never closed)');
    expect(formatFinding({ ...handles, what: 'TCPServerWrap', countPerCall: 0.25 })).toBe(
      'open handles: TCPServerWrap +0.25 per call (never closed)',
    );
  });
});

describe('formatVerdict', () => {
  const verdict: LeakVerdict = {
    leaked: true,
    findings: [objects, handles],
    runs: [
      { warmupCalls: 16, callsPerRound: 16, rounds: 5, growing: [], sporadic: ['x'] },
      { warmupCalls: 16, callsPerRound: 64, rounds: 5, growing: ['x'], sporadic: [] },
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

describe('shortRetainerPath', () => {
  test('starts at the last variable that holds the chain, naming the kind of root', () => {
    expect(shortRetainerPath(retainerPath)).toBe(
      '(GC roots: global handle) ... system / Context.sessions (closure variable) -> Array[41] -> SessionRecord',
    );
  });

  test('a path from another root says (GC roots)', () => {
    const p = ['[1]', '(GC roots)[7]', '(Stack roots).(46)', 'system / Context.lateHolder (closure variable)', 'Array[25]', 'Late'];
    expect(shortRetainerPath(p)).toBe('(GC roots) ... system / Context.lateHolder (closure variable) -> Array[25] -> Late');
  });

  test('the innermost of several anchors wins', () => {
    const p = [
      '(GC roots)',
      'system / Context.registry (closure variable)',
      'Object.byId',
      'system / Context.pending (closure variable)',
      'Array[0]',
      'Job',
    ];
    expect(shortRetainerPath(p)).toBe('(GC roots) ... system / Context.pending (closure variable) -> Array[0] -> Job');
  });

  test('a timer holding the chain is an anchor', () => {
    const p = ['[1]', '(GC roots)', '(Strong roots)', 'Timeout._onTimeout', '(closure) tick', 'Poller'];
    expect(shortRetainerPath(p)).toBe('(GC roots) ... Timeout._onTimeout -> (closure) tick -> Poller');
  });

  test('without an anchor past the first hop, the whole path', () => {
    expect(shortRetainerPath(['(Stack roots).(3)', 'Array[2]', 'Foo'])).toBe('(Stack roots).(3) -> Array[2] -> Foo');
    expect(shortRetainerPath(['system / Context.a (closure variable)', 'Foo'])).toBe('system / Context.a (closure variable) -> Foo');
  });
});
