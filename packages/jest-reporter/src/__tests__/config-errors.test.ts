import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { LeakReport } from '../report-types';
import { verdictOf } from './printed';
import { runJest } from './run-jest';

const REPORTER = path.resolve(__dirname, '../../dist/index.js');
/** Jest's default reporter too, which prints why a test file failed to run; the leakproof reporter with its defaults. */
const WITH_DEFAULT = ['--reporters', 'default', '--reporters', REPORTER];

// After a configuration error, only the error: no follow-up that sends the user somewhere else.
let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'leakproof-config-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const HINT = 'no leak records';
const TYPO = '/**\n * @jest-environment-options {"leakproof": {"baseline": "leakproof-baseline.json"}}\n */\n';

/** A project of suites, each `[file name, source]`. */
function project(files: Array<[string, string]>): string {
  for (const [name, source] of files) writeFileSync(path.join(dir, name), source);
  return dir;
}

test('a reporter option typo: the message naming the option, no stack into leakproof, nothing after it', async () => {
  const run = await runJest({ baselin: 'leakproof-baseline.json' }, [], {}, project([['a.suite.js', "test('a', () => {});\n"]]));
  expect(run.exitCode).toBe(1);
  expect(run.stderr.trim().split('\n')).toEqual([
    expect.stringMatching(/^An error occurred while adding the reporter at path ".*jest-reporter\/dist\/index\.js"\.$/),
    'leakproof: unknown option reporters["@leakproof/jest-reporter"].baselin. Valid options: outputFile, htmlFile, baseline, tolerance, annotations, summaryWidth',
  ]);
});

test('an environment option typo (a reporter option put there): Jest says which, leakproof does not say the environment is missing', async () => {
  const root = project([
    ['a.suite.js', `${TYPO}test('a', () => {});\n`],
    ['b.suite.js', `${TYPO}test('b', () => {});\n`],
  ]);
  const run = await runJest({}, WITH_DEFAULT, {}, root);
  expect(run.exitCode).toBe(1);
  expect(run.stderr).toContain(
    'leakproof: unknown option testEnvironmentOptions.leakproof.baseline. Valid options: mode, handles, heap, native',
  );
  expect(run.stderr).toMatch(/Test Suites: 2 failed, 2 total/);
  // Neither "no leaks found in 0 tests" (a clean run, it reads) nor the environment hint: the preset is in use.
  expect(run.stderr).not.toContain(HINT);
  expect(run.stderr).not.toMatch(/^leakproof: /m);
  const report: LeakReport = JSON.parse(readFileSync(path.join(root, 'leakproof-report.json'), 'utf8'));
  expect(report.verdict).toEqual({ ok: true, summary: 'leakproof: nothing checked: none of the 2 test files could run.' });
});

test('the hint stays where it is true: a file ran without the leakproof environment (the one that could not run says nothing)', async () => {
  const root = project([
    ['plain.suite.js', "/**\n * @jest-environment node\n */\ntest('runs under jest-environment-node', () => {});\n"],
    ['typo.suite.js', `${TYPO}test('typo', () => {});\n`],
  ]);
  const run = await runJest({}, WITH_DEFAULT, {}, root);
  expect(verdictOf(run.stderr)).toBe(
    'leakproof: no leaks found in 1 test. (no leak records: run the tests with @leakproof/jest-environment, e.g. preset: "@leakproof/jest-preset")',
  );
});
