import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { schemaProblems } from '../schema-validation';
import { readBaseline } from '../baseline-file';
import { check, fileRecord, finding, jestResult, jsSite, testRecord } from './records';
import { makeProject, removeProject, runReporter, type FileRun } from './harness';
import { verdictOf } from './printed';

const A = 'src/a.test.js';
const B = 'src/b.test.js';
let root: string;
// The validators are compiled once per process and cached: compile them outside the tests, so
// that the environment's per-test heap check does not charge the cache to the first test.
// Same for code V8 compiles lazily on a first call: one whole warm-up run outside the tests.
beforeAll(async () => {
  schemaProblems('report', {});
  schemaProblems('baseline', {});
  const warm = makeProject([A, B]);
  writeFileSync(path.join(warm, 'leakproof-baseline.json'), '{"schemaVersion":2,"findings":[]}');
  await runReporter(warm, runOf(warm), { env: { GITHUB_ACTIONS: 'true' } });
  removeProject(warm);
});
beforeEach(() => (root = makeProject([A, B])));
afterEach(() => removeProject(root));

/** a.test.js: a warned heap finding, a toLeak-pinned leak, a failing toNotLeak, a clean test. */
function runOf(rootDir: string, overrides: { count?: number; bytes?: number } = {}): FileRun[] {
  const abs = path.join(rootDir, A);
  return [
    {
      result: jestResult(abs, [
        [['client', 'warns'], 'passed'],
        [['client', 'pins'], 'passed'],
        [['client', 'fails'], 'failed'],
        [['clean'], 'passed'],
      ]),
      record: fileRecord(abs, [
        testRecord(
          ['client', 'warns'],
          [
            check({
              findings: [
                finding({
                  count: overrides.count ?? 1,
                  bytes: overrides.bytes ?? 32,
                  site: jsSite(`${rootDir}/src/client.js`),
                }),
              ],
            }),
          ],
          4,
        ),
        testRecord(
          ['client', 'pins'],
          [
            check({
              source: 'toLeak',
              outcome: 'passed',
              findings: [finding({ name: 'Timeout', kind: 'handles', bytes: 0, retainers: undefined, site: null })],
            }),
          ],
          9,
        ),
        testRecord(['client', 'fails'], [check({ source: 'toNotLeak', outcome: 'failed', findings: [finding({ name: 'Map' })] })], 14),
      ]),
    },
    { result: jestResult(path.join(rootDir, B), [[['b test'], 'passed']]), record: fileRecord(path.join(rootDir, B), []) },
  ];
}

test('a clean run says one line and writes a valid report', async () => {
  const abs = path.join(root, B);
  const run = await runReporter(root, [{ result: jestResult(abs, [[['b test'], 'passed']]), record: fileRecord(abs, []) }]);
  expect(run.error).toBeUndefined();
  expect(run.stderr.trim()).toBe('leakproof: no leaks found in 1 test.');
  expect(schemaProblems('report', run.report)).toEqual([]);
  expect(run.report!.tests).toEqual([expect.objectContaining({ testPath: B, fullName: 'b test', status: 'passed', checks: [] })]);
  expect(existsSync(path.join(root, 'leakproof-report.html'))).toBe(true);
  expect(existsSync(run.recordDir)).toBe(false); // cleaned up
});

test('findings: table, verdict, valid report; without a baseline nothing fails the run', async () => {
  const run = await runReporter(root, runOf(root));
  expect(run.error).toBeUndefined();
  expect(schemaProblems('report', run.report)).toEqual([]);
  expect(run.stderr).toContain('leakproof findings:');
  // Each test on a line, its findings under it: kind, what grew, size, state, retainer or site.
  expect(run.stderr).toMatch(
    /\n {2}a\.test\.js › client › warns\n {4}JS objects {2}Array +\+1 per call \(32 B\) +warned +retained by \.\.\. Array\[530\] -> Array\n/,
  );
  expect(run.stderr).toMatch(/client › pins\n {4}handles +Timeout +\+1 per call +pinned by toLeak\n/);
  expect(run.stderr).toMatch(/client › fails\n.*failed its test/);
  expect(verdictOf(run.stderr)).toMatch(
    /^leakproof: 3 findings in 3 tests \(1 test failed because of them\); baseline not applied: no leakproof-baseline.json/,
  );
  const warns = run.report!.tests.find((t) => t.fullName === 'client warns')!;
  expect(warns.location).toEqual({ line: 4, column: 1 });
  expect(warns.checks[0].findings[0]).toMatchObject({
    id: 'src/a.test.js › client warns › js-objects: Array at search (src/client.js)',
    identity: {
      testPath: A,
      fullName: 'client warns',
      kind: 'js-objects',
      name: 'Array',
      site: { function: 'search', file: 'src/client.js' },
    },
    perRound: [16, 16, 16, 16, 16],
  });
});

test('jest -u writes the baseline with the governed findings only (not the failed test), then the same run passes', async () => {
  const update = await runReporter(root, runOf(root), { globalConfig: { updateSnapshot: 'all' } });
  expect(update.error).toBeUndefined();
  const baseline = readBaseline(path.join(root, 'leakproof-baseline.json'))!;
  expect(baseline.findings.map((f) => `${f.fullName}/${f.name}`)).toEqual(['client pins/Timeout', 'client warns/Array']);
  expect(baseline.findings[1]).toEqual({
    testPath: A,
    fullName: 'client warns',
    kind: 'js-objects',
    name: 'Array',
    site: { function: 'search', file: 'src/client.js' },
    per: 'call',
    count: 1,
    bytes: 32,
  });
  expect(update.report!.baseline).toMatchObject({ written: true, newFindings: [], grown: [] });

  const again = await runReporter(root, runOf(root), { globalConfig: { ci: true, updateSnapshot: 'none' } });
  expect(again.error).toBeUndefined();
  expect(verdictOf(again.stderr)).toContain('baseline leakproof-baseline.json: 0 new, 0 grown, 2 accepted, 0 obsolete');
});

test('a new finding fails the run; --ci never writes, even with -u', async () => {
  writeFileSync(path.join(root, 'leakproof-baseline.json'), '{"schemaVersion":2,"findings":[]}\n');
  const before = readFileSync(path.join(root, 'leakproof-baseline.json'), 'utf8');
  const run = await runReporter(root, runOf(root), { globalConfig: { ci: true, updateSnapshot: 'all' } });
  expect(run.error?.message).toMatch(
    /^leakproof: FAIL: 3 findings in 3 tests \(1 test failed because of them\); baseline leakproof-baseline.json: 2 new, 0 grown/,
  );
  expect(run.report!.baseline!.reason).toMatch(
    /^not written: --ci never writes the baseline \(Jest turns --ci on by itself .*run with --ci=false\)$/,
  );
  expect(readFileSync(path.join(root, 'leakproof-baseline.json'), 'utf8')).toBe(before);
  expect(run.report!.verdict.ok).toBe(false);
});

test('update asked for under --ci with no baseline yet: the reason says why nothing was written, not "create it with jest -u"', async () => {
  const run = await runReporter(root, runOf(root), { globalConfig: { ci: true }, env: { LEAKPROOF_UPDATE_BASELINE: '1' } });
  expect(existsSync(path.join(root, 'leakproof-baseline.json'))).toBe(false);
  expect(run.report!.baseline!.reason).toMatch(
    /^no leakproof-baseline\.json: nothing enforced \(not written: --ci never writes the baseline \(.*CI=true; to write it, run with --ci=false\)\)$/,
  );
});

test('growth beyond the tolerance fails; within it passes; LEAKPROOF_UPDATE_BASELINE=1 accepts it', async () => {
  await runReporter(root, runOf(root), { env: { LEAKPROOF_UPDATE_BASELINE: '1' } });
  const within = await runReporter(root, runOf(root, { bytes: 40 }));
  expect(within.error).toBeUndefined();
  const grown = await runReporter(root, runOf(root, { bytes: 41, count: 1.3 }));
  expect(grown.error?.message).toContain('0 new, 1 grown');
  expect(grown.stderr).toMatch(
    /grown beyond \+25% of leakproof-baseline\.json:\n {2}src\/a\.test\.js › client warns › js-objects: Array at search \(src\/client\.js\): 1 -> 1\.3 per call, 32 -> 41 B \(\+28%\)/,
  );
  const tolerant = await runReporter(root, runOf(root, { bytes: 41 }), { options: { tolerance: 0.5 } });
  expect(tolerant.error).toBeUndefined();
  await runReporter(root, runOf(root, { bytes: 41 }), { env: { LEAKPROOF_UPDATE_BASELINE: '1' } });
  expect(readBaseline(path.join(root, 'leakproof-baseline.json'))!.findings.find((f) => f.name === 'Array')!.bytes).toBe(41);
});

test('fixed findings are obsolete (reported, not failing); skipped, failed or unrun tests are not judged', async () => {
  await runReporter(root, runOf(root), { env: { LEAKPROOF_UPDATE_BASELINE: '1' } });
  const abs = path.join(root, A);
  const fixed = [
    {
      result: jestResult(abs, [
        [['client', 'warns'], 'passed'],
        [['client', 'pins'], 'skipped'],
      ]),
      record: fileRecord(abs, []),
    },
  ];
  const run = await runReporter(root, fixed);
  expect(run.error).toBeUndefined();
  expect(run.report!.baseline!.obsolete.map((e) => e.fullName)).toEqual(['client warns']);
  expect(run.stderr).toContain(
    'obsolete in leakproof-baseline.json (fixed, or the test is gone; accept with jest -u or LEAKPROOF_UPDATE_BASELINE=1):\n  src/a.test.js › client warns › js-objects: Array at search (src/client.js)',
  );
  // A run of another file only judges nothing in a.test.js.
  const other = await runReporter(root, [runOf(root)[1]]);
  expect(other.report!.baseline!.obsolete).toEqual([]);
  // Accepting the fixed state drops the fixed entry and keeps the skipped test's.
  await runReporter(root, fixed, { globalConfig: { updateSnapshot: 'all' } });
  expect(readBaseline(path.join(root, 'leakproof-baseline.json'))!.findings.map((f) => f.fullName)).toEqual(['client pins']);
});

test('entries of deleted test files are obsolete', async () => {
  writeFileSync(
    path.join(root, 'leakproof-baseline.json'),
    JSON.stringify({
      schemaVersion: 2,
      findings: [
        {
          testPath: 'src/gone.test.js',
          fullName: 't',
          kind: 'handles',
          name: 'Timeout',
          site: null,
          per: 'test',
          count: 1,
          bytes: 0,
        },
      ],
    }),
  );
  const run = await runReporter(root, [runOf(root)[1]]);
  expect(run.report!.baseline!.obsolete.map((e) => e.testPath)).toEqual(['src/gone.test.js']);
});

test('one shard: new findings fail it, obsolescence is left to merge, the baseline is never written', async () => {
  await runReporter(root, runOf(root), { env: { LEAKPROOF_UPDATE_BASELINE: '1' } });
  const before = readFileSync(path.join(root, 'leakproof-baseline.json'), 'utf8');
  const abs = path.join(root, A);
  const shardRun = await runReporter(
    root,
    [
      {
        result: jestResult(abs, [[['client', 'warns'], 'passed']]),
        record: fileRecord(abs, [testRecord(['client', 'warns'], [check({ findings: [finding({ name: 'Set' })] })])]),
      },
    ],
    { globalConfig: { shard: { shardIndex: 2, shardCount: 3 }, updateSnapshot: 'all' } },
  );
  expect(shardRun.report!.shard).toEqual({ shardIndex: 2, shardCount: 3 });
  expect(shardRun.error?.message).toContain('1 new');
  expect(shardRun.report!.baseline).toMatchObject({
    obsolete: [],
    written: false,
    reason: 'not written: one shard of a sharded run; use leakproof merge --update',
  });
  expect(readFileSync(path.join(root, 'leakproof-baseline.json'), 'utf8')).toBe(before);
  expect(existsSync(path.join(root, 'leakproof-report.shard-2-of-3.html'))).toBe(true);
});

test('a corrupt baseline fails the run with its name and is never rewritten, even in update mode', async () => {
  const file = path.join(root, 'leakproof-baseline.json');
  const corrupt = '{"schemaVersion":2,"findings":[\n<<<<<<< HEAD\n';
  writeFileSync(file, corrupt);
  const run = await runReporter(root, runOf(root), { globalConfig: { updateSnapshot: 'all' } });
  expect(run.error?.message).toMatch(
    /^leakproof: baseline leakproof-baseline\.json: is not valid JSON \([\s\S]*\); a merge conflict left in it\?\. The file was left as is/,
  );
  expect(readFileSync(file, 'utf8')).toBe(corrupt);
  expect(run.report!.verdict.ok).toBe(false);
});

test('GitHub annotations at the test that leaked when GITHUB_ACTIONS=true', async () => {
  writeFileSync(path.join(root, 'leakproof-baseline.json'), '{"schemaVersion":2,"findings":[]}');
  const run = await runReporter(root, runOf(root), { env: { GITHUB_ACTIONS: 'true' } });
  const lines = run.stdout.trim().split('\n');
  expect(lines).toHaveLength(3);
  expect(lines[0]).toBe(
    '::error file=src/a.test.js,line=4,col=1,title=leakproof::client warns: JS objects Array +1 per call (32 B) [warned, new]%0Aretained by (GC roots) ... system / Context.controlRefs (closure variable) -> Array[530] -> Array',
  );
  expect(lines[2]).toMatch(
    /^::error file=src\/a\.test\.js,line=14,col=1,title=leakproof::client fails: JS objects Map .*\[failed its test\]/,
  );
  const quiet = await runReporter(root, runOf(root));
  expect(quiet.stdout).toBe('');
});

test('options are validated, naming the option', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const LeakproofReporter = require('../index').default;
  expect(() => new LeakproofReporter({ rootDir: root }, { tolerence: 1 })).toThrow(
    'leakproof: unknown option reporters["@leakproof/jest-reporter"].tolerence. Valid options: outputFile, htmlFile, baseline, tolerance, annotations',
  );
  expect(() => new LeakproofReporter({ rootDir: root }, { tolerance: -1 })).toThrow(
    'leakproof: reporters["@leakproof/jest-reporter"].tolerance must be a number from 0 to 10 (0.25 = +25%), got -1',
  );
  expect(() => new LeakproofReporter({ rootDir: root }, { outputFile: '' })).toThrow(
    'leakproof: reporters["@leakproof/jest-reporter"].outputFile must be a file path or false, got ""',
  );
  expect(() => new LeakproofReporter({ rootDir: root }, { annotations: 'yes' })).toThrow(
    'leakproof: reporters["@leakproof/jest-reporter"].annotations must be one of "auto", true, false, got "yes"',
  );
  expect(() => new LeakproofReporter({ rootDir: root }, new Map())).toThrow(
    'leakproof: reporters["@leakproof/jest-reporter"] must be a plain object, got a Map',
  );
});

test('file-level checks, tests sharing a name, records Jest did not list: nothing is dropped', async () => {
  const abs = path.join(root, A);
  const run = await runReporter(
    root,
    [
      {
        result: jestResult(abs, [
          [['same'], 'passed'],
          [['same'], 'passed'],
        ]),
        record: fileRecord(
          abs,
          [
            testRecord(['same'], [check({ findings: [finding({ name: 'First' })] })], 2),
            testRecord(['same'], [check({ findings: [finding({ name: 'Second' })] })], 5),
            testRecord(['renamed at run time'], [check()], 8),
          ],
          [
            check({
              source: 'handles',
              findings: [finding({ kind: 'handles', name: 'TCPServerWrap', per: 'test', retainers: undefined, site: null })],
            }),
          ],
        ),
      },
    ],
    { env: { GITHUB_ACTIONS: 'true' } },
  );
  expect(schemaProblems('report', run.report)).toEqual([]);
  expect(run.report!.tests.map((t) => [t.fullName, t.status, t.checks[0]?.findings[0].name])).toEqual([
    ['same', 'passed', 'First'],
    ['same', 'passed', 'Second'],
    ['renamed at run time', 'unknown', 'Array'],
    ['', 'passed', 'TCPServerWrap'],
  ]);
  expect(run.stdout).toContain(
    '::warning file=src/a.test.js,title=leakproof::(whole file): handles TCPServerWrap +1 per test (32 B) [warned]',
  );
});

test('a failed check in a test that passed was expected by the test: reported, never an error', async () => {
  const abs = path.join(root, A);
  const run = await runReporter(
    root,
    [
      {
        result: jestResult(abs, [[['asserts the leak'], 'passed']]),
        record: fileRecord(abs, [testRecord(['asserts the leak'], [check({ source: 'toNotLeak', outcome: 'failed' })])]),
      },
    ],
    { env: { GITHUB_ACTIONS: 'true' } },
  );
  expect(run.error).toBeUndefined();
  expect(run.stderr).toMatch(/asserts the leak\n.*failed check, expected by the test {2}retained by/);
  expect(verdictOf(run.stderr)).toMatch(/^leakproof: 1 finding in 1 test; baseline not applied/);
  expect(run.stdout).toMatch(
    /^::warning file=src\/a\.test\.js,line=3,col=1,title=leakproof::asserts the leak: .*\[failed check, expected by the test\]/,
  );
});

test('update mode adds nothing for a failed test and keeps its old entries', async () => {
  const abs = path.join(root, A);
  const failing = (name: string): FileRun[] => [
    {
      result: jestResult(abs, [[['flaky'], 'failed']]),
      record: fileRecord(abs, [testRecord(['flaky'], [check({ findings: [finding({ name })] })])]),
    },
  ];
  writeFileSync(
    path.join(root, 'leakproof-baseline.json'),
    JSON.stringify({
      schemaVersion: 2,
      findings: [
        {
          testPath: A,
          fullName: 'flaky',
          kind: 'js-objects',
          name: 'Old',
          site: { function: 'search', file: 'src/client.js' },
          per: 'call',
          count: 1,
          bytes: 32,
        },
      ],
    }),
  );
  await runReporter(root, failing('New'), { globalConfig: { updateSnapshot: 'all' } });
  expect(readBaseline(path.join(root, 'leakproof-baseline.json'))!.findings.map((f) => f.name)).toEqual(['Old']);
});

/** a.test.js › client warns: what the per-test heap check records (no name, the JS site), at a given line. */
function heapRun(rootDir: string, line: number, file = 'src/client.js'): FileRun[] {
  const abs = path.join(rootDir, A);
  const heap = finding({
    name: null,
    per: 'test',
    perRound: [],
    retainers: undefined,
    site: jsSite(path.join(rootDir, file), 'search', line, 9),
  });
  return [
    {
      result: jestResult(abs, [[['client', 'warns'], 'passed']]),
      record: fileRecord(abs, [testRecord(['client', 'warns'], [check({ source: 'heap', findings: [heap] })], 4)]),
    },
  ];
}

test('a per-test heap finding matches its own baseline entry, also after an edit moved its line', async () => {
  const update = await runReporter(root, heapRun(root, 13), { env: { LEAKPROOF_UPDATE_BASELINE: '1' } });
  expect(update.error).toBeUndefined();
  expect(readBaseline(path.join(root, 'leakproof-baseline.json'))!.findings).toEqual([
    {
      testPath: A,
      fullName: 'client warns',
      kind: 'js-objects',
      name: null,
      site: { function: 'search', file: 'src/client.js' },
      per: 'test',
      count: 1,
      bytes: 32,
    },
  ]);
  for (const line of [13, 41]) {
    const ci = await runReporter(root, heapRun(root, line), { globalConfig: { ci: true } });
    expect(ci.error).toBeUndefined();
    expect(ci.report!.tests[0].checks[0].findings[0].baseline).toBe('accepted');
    expect(verdictOf(ci.stderr)).toContain('baseline leakproof-baseline.json: 0 new, 0 grown, 1 accepted, 0 obsolete');
  }
  // Another file is another finding.
  const moved = await runReporter(root, heapRun(root, 13, 'src/other.js'), { globalConfig: { ci: true } });
  expect(moved.error?.message).toContain('1 new, 0 grown, 0 accepted, 1 obsolete');
});

test('the summary shortens paths from the sites: the basename, with line and column', async () => {
  const abs = path.join(root, A);
  const deep = path.join(root, 'packages/app/src/deep/client.ts');
  const run = await runReporter(root, [
    {
      result: jestResult(abs, [
        [['heap'], 'passed'],
        [['handle'], 'passed'],
      ]),
      record: fileRecord(abs, [
        testRecord(
          ['heap'],
          [
            check({
              findings: [finding({ name: null, per: 'test', perRound: [], retainers: undefined, site: jsSite(deep, 'load', 3, 21) })],
            }),
          ],
        ),
        testRecord(
          ['handle'],
          [
            check({
              source: 'handles',
              findings: [
                finding({
                  kind: 'handles',
                  name: 'Timeout',
                  per: 'test',
                  bytes: 0,
                  retainers: undefined,
                  site: jsSite(deep, 'poll', 8, 5),
                }),
              ],
            }),
          ],
        ),
      ]),
    },
  ]);
  expect(run.stderr).toMatch(
    /a\.test\.js › heap\n +JS objects +objects +\+1 per test \(32 B\) +warned +allocated at load \(client\.ts:3:21\)\n/,
  );
  expect(run.stderr).toMatch(/a\.test\.js › handle\n +handles +Timeout +\+1 per test +warned +created at poll \(client\.ts:8:5\)\n/);
  expect(run.stderr).not.toContain('packages/app');
  // The reports keep the whole site.
  expect(run.report!.tests[0].checks[0].findings[0].site).toEqual(jsSite(deep, 'load', 3, 21));
});

describe('a baseline written by leakproof 0.1 (schemaVersion 1)', () => {
  const v1 = `${JSON.stringify({
    schemaVersion: 1,
    findings: [
      {
        testPath: A,
        fullName: 'client pins',
        kind: 'handles',
        what: 'Timeout',
        site: null,
        per: 'call',
        countPerCall: 1,
        bytesPerCall: 0,
      },
    ],
  })}\n`;

  test('fails a compare run with how to regenerate it, and is left as is', async () => {
    const file = path.join(root, 'leakproof-baseline.json');
    writeFileSync(file, v1);
    for (const globalConfig of [{}, { ci: true, updateSnapshot: 'all' }]) {
      const run = await runReporter(root, runOf(root), { globalConfig });
      expect(run.error?.message).toMatch(
        /^leakproof: baseline leakproof-baseline\.json: was written by leakproof 0\.1 \(schemaVersion 1\); .* The file was left as is; regenerate it: LEAKPROOF_UPDATE_BASELINE=1 npx jest \(or npx jest -u, which also updates snapshots\) without --ci /,
      );
      expect(run.report!.verdict.ok).toBe(false);
      expect(run.report!.baseline).toMatchObject({ applied: false, written: false });
      expect(readFileSync(file, 'utf8')).toBe(v1);
    }
  });

  test('update mode replaces it with this run, and says so', async () => {
    writeFileSync(path.join(root, 'leakproof-baseline.json'), v1);
    const update = await runReporter(root, runOf(root), { env: { LEAKPROOF_UPDATE_BASELINE: '1' } });
    expect(update.error).toBeUndefined();
    expect(update.report!.baseline).toMatchObject({ written: true, replacedSchemaVersion: 1, newFindings: [] });
    expect(verdictOf(update.stderr)).toContain(
      'baseline written to leakproof-baseline.json, replacing a schemaVersion 1 baseline (leakproof 0.1) that cannot be converted: entries of tests this run did not judge are not carried over.',
    );
    const baseline = readBaseline(path.join(root, 'leakproof-baseline.json'))!;
    expect(baseline.schemaVersion).toBe(2);
    expect(baseline.findings.map((f) => `${f.fullName}/${f.name}`)).toEqual(['client pins/Timeout', 'client warns/Array']);
    const again = await runReporter(root, runOf(root), { globalConfig: { ci: true } });
    expect(again.error).toBeUndefined();
    expect(verdictOf(again.stderr)).toContain('0 new, 0 grown, 2 accepted, 0 obsolete');
  });
});
