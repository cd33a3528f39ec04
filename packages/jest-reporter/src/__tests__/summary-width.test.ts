import * as path from 'node:path';
import type { LeakFinding } from '@leakproof/core';
import { check, fileRecord, finding, jestResult, jsSite, nativeSite, testRecord } from './records';
import { resolveReporterOptions } from '../options';
import { makeProject, removeProject, runReporter, type FileRun } from './harness';

// The end-of-run summary on a terminal: no line wider than it, titles cut after whole words,
// counts that say what they count.
const FILE = 'src/ldap/client-search.test.js';
let root: string;
beforeAll(async () => {
  // Compiles what a first run compiles, outside the tests (the environment's heap check).
  const warm = makeProject([FILE]);
  await runReporter(warm, fiveTests(warm), { options: { summaryWidth: 80 } });
  removeProject(warm);
});
beforeEach(() => (root = makeProject([FILE])));
afterEach(() => removeProject(root));

const TITLES = {
  controls: ['LDAP client', 'search', 'keeps every control list it was given for an asynchronous search that returned referrals'],
  structs: ['LDAP client', 'search', 'frees the C structures of a search that found nothing'],
  timer: ['LDAP client', 'bind', 'leaves its reconnect timer running after unbind was called twice'],
  idle: ['connection pool', 'grows its idle list without bound while the directory server is unreachable'],
  dns: ['connection pool', 'warms the DNS cache once'],
};

/** 11 findings in 5 tests; 8 of them from checks that failed their test, in 4 tests. */
function fiveTests(rootDir: string): FileRun[] {
  const abs = path.join(rootDir, FILE);
  const src = (file: string) => path.join(rootDir, 'packages/ldap-client/src/connection', file);
  const native = (fn: string, bytes: number): LeakFinding =>
    finding({
      kind: 'native',
      name: null,
      site: nativeSite(`leakproof_ldap::Client::${fn}`, 'leakproof_ldap_not_found_leak.node', 0x5bb0),
      bytes,
      retainers: undefined,
      allocations: [{ allocator: 'calloc', stack: [nativeSite('ber_memcalloc_x', 'liblber-2.5.so.0', 0x10)], count: 1, bytes }],
    });
  const handle = (name: string, fn: string) =>
    finding({
      kind: 'handles',
      name,
      per: 'test',
      bytes: 0,
      retainers: undefined,
      site: jsSite(src('reconnecting-client.js'), fn, 212, 31),
    });
  const heap = (fn: string, bytes: number) =>
    finding({ name: null, per: 'test', bytes, perRound: [], retainers: undefined, site: jsSite(src('pool.js'), fn, 88, 14) });
  return [
    {
      result: jestResult(abs, [
        [TITLES.controls, 'failed'],
        [TITLES.structs, 'failed'],
        [TITLES.timer, 'failed'],
        [TITLES.idle, 'failed'],
        [TITLES.dns, 'passed'],
        [['a clean test'], 'passed'],
      ]),
      record: fileRecord(abs, [
        testRecord(TITLES.controls, [
          check({
            source: 'toNotLeak',
            outcome: 'failed',
            findings: [finding(), finding({ name: 'Object', bytes: 41 }), finding({ name: 'number', bytes: 17 })],
          }),
        ]),
        testRecord(TITLES.structs, [
          check({ source: 'toNotLeak', outcome: 'failed', findings: [native('HandleResults', 80), native('HandleSearchEntry', 56)] }),
        ]),
        testRecord(TITLES.timer, [
          check({
            source: 'handles',
            outcome: 'failed',
            findings: [handle('Timeout', 'scheduleReconnect'), handle('TCPWrap', 'openSocketToTheDirectoryServer')],
          }),
        ]),
        testRecord(TITLES.idle, [
          check({ source: 'heap', outcome: 'failed', findings: [heap('rememberIdleConnectionForLater', 2_400_000)] }),
        ]),
        testRecord(TITLES.dns, [
          check({
            source: 'heap',
            outcome: 'warned',
            findings: [heap('resolveAndCache', 300_000), heap('normaliseHostName', 200_000), heap('lookupService', 150_000)],
          }),
        ]),
      ]),
    },
  ];
}

/** The summary as printed, without the empty line it starts with. */
function summaryLines(stderr: string): string[] {
  return stderr.replace(/\n$/, '').split('\n').slice(1);
}

/** Wrapped lines joined again: each continuation line is indented. */
function unwrapped(lines: string[]): string {
  return lines.join('\n').replace(/\n +/g, ' ');
}

describe.each([80, 120, 200])('at %i columns', (width) => {
  let lines: string[];
  beforeEach(async () => {
    const run = await runReporter(root, fiveTests(root), { options: { summaryWidth: width } });
    lines = summaryLines(run.stderr);
  });

  test('no line is wider than the terminal', () => {
    expect(lines.length).toBeGreaterThan(15);
    expect(lines.filter((line) => line.length > width)).toEqual([]);
  });

  test('the verdict counts findings, their tests, and the tests that failed because of them', () => {
    const verdict = unwrapped(lines.slice(lines.findIndex((l) => l.startsWith('leakproof: '))));
    expect(verdict).toMatch(/^leakproof: 11 findings in 5 tests \(4 tests failed because of them\); baseline not applied: /);
  });

  test('every test is named, a long title kept from its start and cut after a whole word', () => {
    for (const titlePath of Object.values(TITLES)) {
      const full = `client-search.test.js › ${titlePath.join(' › ')}`;
      const line = lines.find(
        (l) =>
          l.startsWith(`  client-search.test.js › ${titlePath[0]} › ${titlePath[1].slice(0, 3)}`) &&
          full.startsWith(l.slice(2).replace(/\.\.\.$/, '')),
      );
      expect({ titlePath, line }).toEqual({ titlePath, line: expect.any(String) });
      const shown = line!.slice(2);
      if (shown === full) continue;
      expect(shown).toMatch(/\w\.\.\.$/);
      // The next character of the title was a word boundary.
      expect(full[shown.length - 3]).toBe(' ');
    }
  });

  test('sites and retainers are whole: what a finding needs to be found', () => {
    const text = unwrapped(lines);
    for (const where of [
      'retained by ... Array[530] -> Object',
      'allocated at leakproof_ldap::Client::HandleSearchEntry (leakproof_ldap_not_found_leak.node) via calloc',
      'created at openSocketToTheDirectoryServer (reconnecting-client.js:212:31)',
      'allocated at rememberIdleConnectionForLater (pool.js:88:14)',
    ])
      expect(text).toContain(where);
  });
});

test('the width is the terminal’s when stderr is one, else 120; the option overrides it', async () => {
  const widest = async (options: { terminal?: { columns: number }; summaryWidth?: number } = {}) => {
    const run = await runReporter(root, fiveTests(root), { terminal: options.terminal, options: { summaryWidth: options.summaryWidth } });
    return Math.max(...summaryLines(run.stderr).map((l) => l.length));
  };
  const notTerminal = await widest();
  expect(notTerminal).toBeLessThanOrEqual(120);
  expect(notTerminal).toBeGreaterThan(100);
  expect(await widest({ terminal: { columns: 90 } })).toBeLessThanOrEqual(90);
  expect(await widest({ terminal: { columns: 90 }, summaryWidth: 200 })).toBeGreaterThan(120);
});

test('on a narrow terminal with wide cells, a finding flows over lines and still fits', async () => {
  const abs = path.join(root, FILE);
  const run = await runReporter(
    root,
    [
      {
        result: jestResult(abs, [[['expects its leak'], 'passed']]),
        record: fileRecord(abs, [
          testRecord(
            ['expects its leak'],
            [check({ source: 'toNotLeak', outcome: 'failed', findings: [finding({ count: 1234, bytes: 2_000_000 })] })],
          ),
        ]),
      },
    ],
    { options: { summaryWidth: 50 } },
  );
  const lines = summaryLines(run.stderr);
  expect(lines.filter((line) => line.length > 50)).toEqual([]);
  expect(unwrapped(lines)).toContain('failed check, expected by the test');
  expect(unwrapped(lines)).toMatch(/leakproof: 1 finding in 1 test; baseline not applied/);
});

test('summaryWidth is "auto" or a number of columns, and says so', () => {
  expect(resolveReporterOptions({}).summaryWidth).toBe('auto');
  expect(resolveReporterOptions({ summaryWidth: 100 }).summaryWidth).toBe(100);
  expect(() => resolveReporterOptions({ summaryWidth: 20 })).toThrow(
    'leakproof: reporters["@leakproof/jest-reporter"].summaryWidth must be "auto" or an integer from 40 to 1000, got 20',
  );
});
