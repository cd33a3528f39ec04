import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RECORD_DIR_ENV, RECORD_VERSION, type FileLeakRecord } from '@leakproof/record';
import { runSuite, runSuites, SUITES, type SuiteRun } from './run-suite';

function status(run: SuiteRun, title: string): string {
  const test = run.tests.get(title);
  if (!test) throw new Error(`no test "${title}" in the run; got: ${[...run.tests.keys()].join(', ')}\n${run.fileFailure}\n${run.stderr}`);
  return test.status;
}
function failure(run: SuiteRun, title: string): string {
  return run.tests.get(title)?.failure ?? '';
}

/** Runs a suite with a record directory, as the reporter asks for one; returns the run and the file's record. */
async function runRecorded(file: string, leakproofOptions?: object): Promise<{ run: SuiteRun; record: FileLeakRecord }> {
  const recordDir = mkdtempSync(path.join(tmpdir(), 'leakproof-records-'));
  try {
    const run = await runSuite(file, leakproofOptions, { [RECORD_DIR_ENV]: recordDir });
    const files = readdirSync(recordDir);
    expect(files).toHaveLength(1);
    return { run, record: JSON.parse(readFileSync(path.join(recordDir, files[0]), 'utf8')) };
  } finally {
    rmSync(recordDir, { recursive: true, force: true });
  }
}

function checksOf(record: FileLeakRecord, fullName: string): FileLeakRecord['tests'][number]['checks'] {
  return record.tests.find((t) => t.fullName === fullName)?.checks ?? [];
}

describe('open handles fail the test that left them', () => {
  let run: SuiteRun;
  let record: FileLeakRecord;
  beforeAll(async () => {
    ({ run, record } = await runRecorded('handles.suite.js'));
  });

  test('a leaked interval fails its test, naming the type and where it was created', () => {
    expect(status(run, 'leaks an interval')).toBe('failed');
    expect(failure(run, 'leaks an interval')).toMatch(/left 1 open handle:\s+Timeout created at\s+.*handles\.suite\.js:11:/);
  });

  test('a listening server and a child process are named', () => {
    expect(status(run, 'leaks a listening server')).toBe('failed');
    expect(failure(run, 'leaks a listening server')).toMatch(/TCPServerWrap created at/);
    expect(status(run, 'leaks a child process')).toBe('failed');
    expect(failure(run, 'leaks a child process')).toMatch(
      /left 4 open handles:\s+ProcessWrap \+ PipeWrap x3 created at[\s\S]*handles\.suite\.js:22:/,
    );
  });

  test('closed, cleared, unref()d, late-but-within-grace, opted-out and fake-timer tests pass', () => {
    for (const title of [
      'closes its server',
      'clears its timers',
      'unref()s its interval',
      'closes its server just after the test ends',
      'opts out with leakproof.skipChecks',
      'uses fake timers',
    ]) {
      expect([title, status(run, title), failure(run, title)]).toEqual([title, 'passed', '']);
    }
  });

  test('the record holds one finding per type and creation stack, the stack as frames of the suite', () => {
    const suite = path.join(SUITES, 'handles.suite.js');
    const site = (line: number) => ({ lang: 'js', function: '', file: suite, line, column: expect.any(Number) });
    expect(checksOf(record, 'leaks an interval')).toEqual([
      {
        source: 'handles',
        outcome: 'failed',
        findings: [{ kind: 'handles', name: 'Timeout', site: site(11), stack: [site(11)], count: 1, bytes: 0, per: 'test', perRound: [] }],
      },
    ]);
    const [child] = checksOf(record, 'leaks a child process');
    expect(child.findings.map((f) => [f.name, f.count, f.site])).toEqual([
      ['ProcessWrap', 1, site(22)],
      ['PipeWrap', 3, site(22)],
    ]);
    expect(checksOf(record, 'leaks a listening server')[0].findings.map((f) => f.name)).toEqual(['TCPServerWrap']);
    expect(checksOf(record, 'opts out with leakproof.skipChecks')).toEqual([]);
  });
});

describe.each(['TCPSERVERWRAP', 'TCPServerWrap'])("handles.ignore and the matchers' ignore: %s", (spelling) => {
  let run: SuiteRun;
  beforeAll(async () => {
    run = await runSuite('ignore.suite.js', { handles: { ignore: [spelling] } }, { LEAKPROOF_IGNORE_SPELLING: spelling });
  });

  test('the environment leaves the listening server out, and only it', () => {
    expect(status(run, 'leaves a server listening')).toBe('passed');
    expect(status(run, 'leaves an interval running')).toBe('failed');
    expect(failure(run, 'leaves an interval running')).toMatch(/left 1 open handle:\s+Timeout created at/);
  });

  test('the matcher leaves the same type out; unignored, it reports it by its one name', () => {
    expect([status(run, 'a matcher ignoring the type'), failure(run, 'a matcher ignoring the type')]).toEqual(['passed', '']);
    expect(status(run, 'a matcher not ignoring it')).toBe('failed');
    expect(failure(run, 'a matcher not ignoring it')).toMatch(/open handles: TCPServerWrap \+1 per call \(never closed\)/);
  });
});

test('a handle opened outside any test fails the file, not a test', async () => {
  const run = await runSuite('outside-tests.suite.js');
  expect(status(run, 'a passing test')).toBe('passed');
  expect(run.fileFailure).toMatch(/Code outside tests .* left 1 open handle:\s+Timeout created at[\s\S]*outside-tests\.suite\.js:5:/);
  expect(run.exitCode).toBe(1);
});

test('concurrent tests are checked per file', async () => {
  const run = await runSuite('concurrent.suite.js');
  expect(status(run, 'concurrent clean test')).toBe('passed');
  expect(run.fileFailure).toMatch(/Timeout created at[\s\S]*concurrent\.suite\.js:5:/);
});

describe('retained heap per test', () => {
  let run: SuiteRun;
  let record: FileLeakRecord;
  beforeAll(async () => {
    ({ run, record } = await runRecorded('heap.suite.js', { heap: { failAboveBytes: 512 * 1024 } }));
  });

  test('a test whose allocations outlive it fails with size and site', () => {
    expect(status(run, 'retains about 2 MB until the end of the file')).toBe('failed');
    const text = failure(run, 'retains about 2 MB until the end of the file');
    expect(text).toMatch(/this test allocated ~\d+(\.\d)? MB .* still alive at the end of the file/);
    expect(text).toMatch(/allocated at \(anonymous\) \(heap\.suite\.js:5:\d+\)/);
  });

  test('temporaries, jest.fn() call records and an opted-out test pass', () => {
    expect(status(run, 'allocates 5 MB of temporaries')).toBe('passed');
    expect(status(run, 'records calls in a module-level jest.fn()')).toBe('passed');
    expect(status(run, 'opts out of the heap check')).toBe('passed');
  });

  test('the record holds the sites as frames, per test', () => {
    const [check] = checksOf(record, 'retains about 2 MB until the end of the file');
    expect(check).toMatchObject({ source: 'heap', outcome: 'failed' });
    expect(check.findings[0]).toEqual({
      kind: 'js-objects',
      name: null,
      site: { lang: 'js', function: '', file: path.join(SUITES, 'heap.suite.js'), line: 5, column: expect.any(Number) },
      count: expect.any(Number),
      bytes: expect.any(Number),
      per: 'test',
      perRound: [],
    });
    expect(check.findings.reduce((sum, f) => sum + f.bytes, 0)).toBeGreaterThan(512 * 1024);
  });
});

test('in a TypeScript suite (ts-jest), the site is at the line of the source, not of the code Jest ran', async () => {
  const source = readFileSync(path.join(SUITES, 'heap-ts.suite.ts'), 'utf8');
  const line = source.split('\n').findIndex((l) => l.includes('// KEEP-' + 'ROWS')) + 1;
  const run = await runSuite('heap-ts.suite.ts', { heap: { failAboveBytes: 512 * 1024 } });
  expect(status(run, 'retains rows from TypeScript')).toBe('failed');
  expect(failure(run, 'retains rows from TypeScript')).toMatch(new RegExp(`allocated at keepRows \\(heap-ts\\.suite\\.ts:${line}:\\d+\\)`));
});

test('in a TypeScript suite (ts-jest), a handle is reported where the source created it, in the message and the record', async () => {
  const source = readFileSync(path.join(SUITES, 'handles-ts.suite.ts'), 'utf8').split('\n');
  const line = source.findIndex((l) => l.includes('// START-' + 'POLLING')) + 1;
  const column = source[line - 1].indexOf('setInterval') + 1;
  const { run, record } = await runRecorded('handles-ts.suite.ts');
  const title = 'leaves an interval open from TypeScript';
  expect(status(run, title)).toBe('failed');
  expect(failure(run, title)).toMatch(new RegExp(`Timeout created at\\s+startPolling \\(.*handles-ts\\.suite\\.ts:${line}:${column}\\)`));
  const [finding] = checksOf(record, title).flatMap((c) => c.findings);
  expect(finding).toMatchObject({ kind: 'handles', site: { function: 'startPolling', line, column } });
  expect(finding.stack?.[0]).toEqual(finding.site);
});

describe('native check', () => {
  let run: SuiteRun;
  let record: FileLeakRecord;
  const recordDir = mkdtempSync(path.join(tmpdir(), 'leakproof-records-'));
  beforeAll(async () => {
    run = await runSuite('native.suite.js', undefined, { [RECORD_DIR_ENV]: recordDir });
    const files = readdirSync(recordDir);
    expect(files).toHaveLength(1);
    record = JSON.parse(readFileSync(path.join(recordDir, files[0]), 'utf8'));
  });
  afterAll(() => rmSync(recordDir, { recursive: true, force: true }));

  test('a test whose native blocks outlive it fails with size and the allocating function', () => {
    expect(status(run, 'leaks 320 KB of native records')).toBe('failed');
    const text = failure(run, 'leaks 320 KB of native records');
    expect(text).toMatch(
      /this test allocated 312\.5 KB of native memory \(5000 blocks\) that was still allocated at the end of the file \(fail above 256\.0 KB\)/,
    );
    expect(text).toMatch(/312\.5 KB in 5000 blocks at malloc <- make_record \(corpus\.node\) <- LeakMalloc \(corpus\.node\)/);
  });

  test('below the failure threshold it warns, naming the test', () => {
    expect(status(run, 'leaks 64 KB: above the warning, below the failure')).toBe('passed');
    expect(run.stderr).toMatch(
      /leaks 64 KB: above the warning, below the failure: leakproof: this test allocated 62\.5 KB of native memory \(1000 blocks\)/,
    );
  });

  test('clean code, a pinned toLeak and an opted-out test pass', () => {
    expect(status(run, 'frees everything it allocates')).toBe('passed');
    expect(status(run, 'pins a native leak with toLeak (the matcher judges its own calls)')).toBe('passed');
    expect(status(run, 'opts out of the native check')).toBe('passed');
  });

  test('the record for the reporter holds every check with its outcome, findings and the test line', () => {
    expect(record).toMatchObject({
      version: RECORD_VERSION,
      testPath: path.join(SUITES, 'native.suite.js'),
      nativeTracking: { available: true },
      fileChecks: [],
    });
    const byName = new Map(record.tests.map((t) => [t.fullName, t]));
    expect([...byName.keys()].sort()).toEqual([
      'leaks 320 KB of native records',
      'leaks 64 KB: above the warning, below the failure',
      'pins a native leak with toLeak (the matcher judges its own calls)',
    ]);
    const failed = byName.get('leaks 320 KB of native records')!;
    expect(failed.location).toEqual({ line: 5, column: 1 });
    expect(failed.checks).toEqual([
      expect.objectContaining({
        source: 'native',
        outcome: 'failed',
        findings: [
          {
            kind: 'native',
            name: null,
            site: { lang: 'native', function: expect.stringMatching(/make_record/), object: 'corpus.node', offset: expect.any(Number) },
            count: 5000,
            bytes: 320_000,
            per: 'test',
            perRound: [],
            allocations: [
              {
                allocator: 'malloc',
                stack: expect.arrayContaining([expect.objectContaining({ lang: 'native', object: 'corpus.node' })]),
                count: 5000,
                bytes: 320_000,
              },
            ],
          },
        ],
      }),
    ]);
    expect(byName.get('leaks 64 KB: above the warning, below the failure')!.checks[0]).toMatchObject({
      source: 'native',
      outcome: 'warned',
    });
    const pinned = byName.get('pins a native leak with toLeak (the matcher judges its own calls)')!.checks;
    expect(pinned).toHaveLength(1);
    expect(pinned[0]).toMatchObject({
      source: 'toLeak',
      outcome: 'passed',
      findings: [{ kind: 'native', site: { lang: 'native', function: expect.stringMatching(/copy_name/), object: 'corpus.node' } }],
    });
    expect(pinned[0].findings[0].perRound).toHaveLength(5);
    expect(pinned[0].measurement!.runs.length).toBeGreaterThanOrEqual(2);
  });
});

test('matchers are registered by the environment, and an un-awaited matcher fails its test', async () => {
  const run = await runSuite('matchers.suite.js');
  expect(status(run, 'forgets to await toNotLeak')).toBe('failed');
  expect(failure(run, 'forgets to await toNotLeak')).toMatch(/was not awaited/);
  expect(status(run, 'a test after the forgetful one')).toBe('passed');
  expect(status(run, 'catches a leak with the registered matcher')).toBe('failed');
  expect(failure(run, 'catches a leak with the registered matcher')).toMatch(
    /Expected fn not to leak, but it did:[\s\S]*Object: \+1(\.0\d)? per call[\s\S]*store \(closure variable\)/,
  );
  expect(status(run, 'passes a clean function')).toBe('passed');
});

test("the matchers' default budget is 80% of what is left of the running test's timeout", async () => {
  const run = await runSuite('test-timeout.suite.js');
  const budget = (title: string) => {
    expect(status(run, title)).toBe('failed');
    const found = /no verdict within (\d+) ms: fn costs about \d+ ms per call/.exec(failure(run, title));
    if (!found) throw new Error(`no budget in the failure of "${title}": ${failure(run, title)}`);
    return Number(found[1]);
  };
  // jest.setTimeout(4000) at the top of the file; test(name, fn, 2000); 1.5 s of the test's own work first.
  expect(budget('takes its budget from jest.setTimeout')).toBeGreaterThan(3000);
  expect(budget('takes its budget from jest.setTimeout')).toBeLessThanOrEqual(3200);
  expect(budget('takes its budget from its own timeout')).toBeGreaterThan(1400);
  expect(budget('takes its budget from its own timeout')).toBeLessThanOrEqual(1600);
  expect(budget('takes what is left of its timeout after its own work')).toBeGreaterThan(1400);
  expect(budget('takes what is left of its timeout after its own work')).toBeLessThanOrEqual(1700);
  // The matcher's error, not Jest's own timeout, fails each test.
  for (const title of run.tests.keys()) expect(failure(run, title)).not.toMatch(/Exceeded timeout/);
});

describe('a heap snapshot that does not fit the timeout runs after the test function', () => {
  let run: SuiteRun;
  beforeAll(async () => {
    run = await runSuite('explain-later.suite.js');
  }, 240_000);

  test("the failure names the constructor and the retainer path, with Jest's default 5 s timeout", () => {
    const text = failure(run, 'a leak fails with its constructor and retainer path');
    expect(status(run, 'a leak fails with its constructor and retainer path')).toBe('failed');
    expect(text).toMatch(/SessionRecord: \+1 per call/);
    expect(text).toMatch(/retained by: .*Context\.sessions \(closure variable\) -> Map/);
    expect(text).not.toMatch(/no heap snapshot|explained after the test function|Exceeded timeout/);
  });

  test('toLeak({ what }) is decided on the explained leak, not on the time left', () => {
    expect(status(run, 'toLeak with the leaked constructor passes')).toBe('passed');
    expect(status(run, 'toLeak with another constructor fails, after the test function')).toBe('failed');
    expect(failure(run, 'toLeak with another constructor fails, after the test function')).toMatch(
      /Expected fn to leak Buffer; it leaked something else:[\s\S]*SessionRecord: \+1 per call[\s\S]*retained by:/,
    );
    expect(status(run, 'the ballast is still there')).toBe('passed');
  });

  test('when fn no longer works after the test function, the failure says why it is unexplained', () => {
    const title = 'a store closed in a finally block cannot be explained after the test function';
    expect(status(run, title)).toBe('failed');
    expect(failure(run, title)).toMatch(/SessionRecord|objects allocated at use/);
    expect(failure(run, title)).toMatch(
      /fn threw when called again after the test function \(store closed\)\. Close what fn uses in afterEach/,
    );
  });
});

test('warn mode reports without failing; mode off checks nothing (per-file docblock options)', async () => {
  const warn = await runSuite('warn-mode.suite.js');
  expect(status(warn, 'leaks an interval in warn mode')).toBe('passed');
  expect(warn.stderr).toMatch(/left 1 open handle:\s+Timeout created at/);
  const off = await runSuite('off-mode.suite.js');
  expect(status(off, 'leaks an interval with checks off')).toBe('passed');
  expect(off.stderr).not.toMatch(/open handle/);
});

test('invalid environment options stop the file with a message naming the option', async () => {
  const run = await runSuite('bad-options.suite.js');
  expect(run.exitCode).toBe(1);
  expect(run.fileFailure + run.stderr).toMatch(
    /testEnvironmentOptions\.leakproof\.heap\.mode must be one of "fail", "warn", "off", got "loud"/,
  );
});

test('real failures stay failures and clean tests stay clean', async () => {
  const run = await runSuite('failing.suite.js');
  expect(status(run, 'fails on its own')).toBe('failed');
  expect(failure(run, 'fails on its own')).toMatch(/Expected: 3/);
  expect(failure(run, 'fails on its own')).not.toMatch(/leakproof/);
  expect(status(run, 'throws on its own')).toBe('failed');
  expect(failure(run, 'throws on its own')).toMatch(/the test itself broke/);
  expect(status(run, 'passes')).toBe('passed');
});

test('several files in one process (--runInBand): each file is checked on its own, nothing carries over', async () => {
  const [handles, failing, matchers] = await runSuites(['handles.suite.js', 'failing.suite.js', 'matchers.suite.js']);
  expect(status(handles, 'leaks an interval')).toBe('failed');
  expect(status(handles, 'closes its server')).toBe('passed');
  // The next file in the same process sees none of the previous file's handles or samples.
  expect(status(failing, 'passes')).toBe('passed');
  expect(failing.fileFailure).not.toMatch(/leakproof/);
  expect(status(matchers, 'passes a clean function')).toBe('passed');
  expect(status(matchers, 'catches a leak with the registered matcher')).toBe('failed');
});
