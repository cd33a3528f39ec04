import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RECORD_DIR_ENV, type FileLeakRecord } from '@leakproof/record';
import { runSuite, runSuites, type SuiteRun } from './run-suite';

/**
 * Native tracking unavailable (as with --ignore-scripts, pnpm's blocked builds, no compiler,
 * macOS, Windows, musl), made so here with LEAKPROOF_NATIVE_TRACKER=off: a file that loads no
 * native addon of its own is judged on JS heap and handles, with one warning saying what is not
 * covered; a file that loads one fails as before. Jest 30's own resolver addon is the runner's.
 */
const OFF = { LEAKPROOF_NATIVE_TRACKER: 'off' };
/** Errors outside tests: the file itself failed (here: for the addons it loaded). */
const SUITE_FAILED = /Test suite failed to run/;
const NOT_COVERED =
  /leakproof: native allocation tracking is off: LEAKPROOF_NATIVE_TRACKER=off is set\.\n\s*Native memory \(malloc in native addons\) is not checked/g;

function status(run: SuiteRun, title: string): string {
  const test = run.tests.get(title);
  if (!test) throw new Error(`no test "${title}" in the run; got: ${[...run.tests.keys()].join(', ')}\n${run.fileFailure}\n${run.stderr}`);
  return test.status;
}
const failure = (run: SuiteRun, title: string) => run.tests.get(title)?.failure ?? '';
const warnings = (run: SuiteRun) => run.stderr.match(NOT_COVERED)?.length ?? 0;

describe('pure-JS files (two in one process): JS checks as usual, one warning', () => {
  let pure: SuiteRun;
  let heap: SuiteRun;
  beforeAll(async () => {
    [pure, heap] = await runSuites(['pure-js.suite.js', 'heap.suite.js'], undefined, OFF);
  });

  test("the clean tests pass, the leaking ones fail, and no file fails for the runner's addons", () => {
    expect(status(pure, 'cleans up after itself')).toBe('passed');
    expect(status(pure, 'leaks an interval')).toBe('failed');
    expect(failure(pure, 'leaks an interval')).toMatch(/This test left 1 open handle/);
    expect(pure.fileFailure).not.toMatch(SUITE_FAILED);
    expect(status(heap, 'retains about 2 MB until the end of the file')).toBe('failed');
    expect(heap.fileFailure).not.toMatch(SUITE_FAILED);
    expect(`${pure.stderr}`).not.toMatch(/This file loaded native addons/);
  });

  test('the matchers likewise: a clean function passes, a JS leak fails (with a note), required still fails', () => {
    expect(status(pure, 'passes a clean function to toNotLeak')).toBe('passed');
    expect(status(pure, 'catches a JS leak with toNotLeak')).toBe('failed');
    const text = failure(pure, 'catches a JS leak with toNotLeak');
    expect(text).toMatch(/Expected fn not to leak, but it did:[\s\S]*Object: \+1(\.0\d)? per call/);
    expect(text).toMatch(
      /note: native allocations not tracked \(LEAKPROOF_NATIVE_TRACKER=off is set\); the code under test loaded no native addon of its own/,
    );
    expect(status(pure, 'native: "required" still fails without tracking')).toBe('passed');
  });

  test('one warning for the process, not one per file, saying what is not covered', () => {
    expect(warnings(pure)).toBe(1);
    expect(pure.stderr).toMatch(
      /JS heap and handles are\. A test file that loads no native addon of its own .* runs on those checks alone/,
    );
  });
});

test('files that load the native corpus still fail, also the second one in the same process (the addon is mapped once)', async () => {
  const [native, again, pure] = await runSuites(['native.suite.js', 'native-again.suite.js', 'pure-js.suite.js'], undefined, OFF);
  const loaded =
    /leakproof: native allocation tracking is off: LEAKPROOF_NATIVE_TRACKER=off is set\.\s+This file loaded native addons \([^)]*native-corpus\/build\/Release\/corpus\.node\) whose leaks cannot be checked/;
  expect(native.fileFailure).toMatch(loaded);
  expect(again.fileFailure).toMatch(loaded);
  // The matcher in a file that loaded the addon fails too, naming it.
  expect(status(native, 'pins a native leak with toLeak (the matcher judges its own calls)')).toBe('failed');
  expect(failure(native, 'pins a native leak with toLeak (the matcher judges its own calls)')).toMatch(
    /native allocation tracking is off: LEAKPROOF_NATIVE_TRACKER=off is set; the code under test loaded native addons \([^)]*corpus\.node\) and their leaks would go unseen/,
  );
  // The pure file after them is not charged with the corpus that is still loaded in the process.
  expect(pure.fileFailure).not.toMatch(SUITE_FAILED);
  expect(status(pure, 'cleans up after itself')).toBe('passed');
  expect(status(pure, 'passes a clean function to toNotLeak')).toBe('passed');
  expect(warnings(pure)).toBe(1);
});

test('with the reporter collecting records: no warning from the environment (the reporter says it once), the record says why', async () => {
  const recordDir = mkdtempSync(path.join(tmpdir(), 'leakproof-records-'));
  try {
    const run = await runSuite('warn-mode.suite.js', undefined, { ...OFF, [RECORD_DIR_ENV]: recordDir });
    expect(run.fileFailure).not.toMatch(SUITE_FAILED);
    expect(warnings(run)).toBe(0);
    const [file] = readdirSync(recordDir);
    const record = JSON.parse(readFileSync(path.join(recordDir, file), 'utf8')) as FileLeakRecord;
    expect(record.nativeTracking).toEqual({ available: false, reason: 'LEAKPROOF_NATIVE_TRACKER=off is set' });
  } finally {
    rmSync(recordDir, { recursive: true, force: true });
  }
});
