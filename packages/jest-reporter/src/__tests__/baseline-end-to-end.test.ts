import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { schemaProblems } from '../schema-validation';
import type { BaselineEntry, LeakReport } from '../report-types';
import { verdictOf } from './printed';
import { runJest, type JestRun } from './run-jest';

// The "Done when": a suite with a finding of each governed family, accepted once with
// LEAKPROOF_UPDATE_BASELINE=1, passes the very next `jest --ci` with every finding accepted. A
// per-test heap finding used to be keyed on text with line numbers that its own baseline entry
// did not have: it was new on every run, and CI failed forever.

const SUITE = path.resolve(__dirname, 'governed/governed.suite.js');
let project: string;
beforeAll(() => {
  project = mkdtempSync(path.join(tmpdir(), 'leakproof-governed-'));
  copyFileSync(SUITE, path.join(project, 'governed.suite.js'));
  schemaProblems('report', {});
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

const file = (name: string) => path.join(project, name);
const readReport = (): LeakReport => JSON.parse(readFileSync(file('leakproof-report.json'), 'utf8'));
const findings = (report: LeakReport) =>
  report.tests.flatMap((t) =>
    t.checks.flatMap((c) => c.findings.map((f) => ({ test: t.fullName, source: c.source, outcome: c.outcome, ...f }))),
  );
// Reporter options as the preset's defaults: the reports and the baseline in rootDir.
const OPTIONS = {};

/** Exit code 0, or a failure that shows what Jest and the reporter said. */
function expectGreen(run: JestRun): void {
  if (run.exitCode !== 0) throw new Error(`jest exited with ${run.exitCode}:\n${run.stderr}\n${run.stdout}`);
}

test('real Jest: a heap, a matcher and a handle finding accepted with LEAKPROOF_UPDATE_BASELINE=1 pass the next --ci run', async () => {
  // 1. Accept the current state.
  const update = await runJest(OPTIONS, [], { LEAKPROOF_UPDATE_BASELINE: '1' }, project);
  expectGreen(update);
  const accepted = readReport();
  expect(schemaProblems('report', accepted)).toEqual([]);
  expect(findings(accepted)).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ test: 'retains a cache', source: 'heap', outcome: 'warned', kind: 'js-objects', name: null, per: 'test' }),
      expect.objectContaining({ test: 'pins a known leak', source: 'toLeak', outcome: 'passed', kind: 'js-objects', per: 'call' }),
      expect.objectContaining({ test: 'leaves an interval open', source: 'handles', outcome: 'warned', kind: 'handles', name: 'Timeout' }),
    ]),
  );
  const baselineText = readFileSync(file('leakproof-baseline.json'), 'utf8');
  const baseline: { schemaVersion: number; findings: BaselineEntry[] } = JSON.parse(baselineText);
  expect(baseline.schemaVersion).toBe(2);
  // Every governed finding is in it, with its site as function and file: no line, no column.
  expect(baseline.findings.map((e) => e.fullName).sort()).toEqual(
    expect.arrayContaining(['leaves an interval open', 'pins a known leak', 'retains a cache']),
  );
  expect(baseline.findings).toContainEqual(
    expect.objectContaining({
      testPath: 'governed.suite.js',
      fullName: 'retains a cache',
      kind: 'js-objects',
      name: null,
      site: { function: 'fillCache', file: 'governed.suite.js' },
      per: 'test',
    }),
  );
  for (const entry of baseline.findings) {
    expect(entry.testPath).toBe('governed.suite.js');
    if (entry.site && 'file' in entry.site) expect(entry.site.file).toBe('governed.suite.js');
  }

  // 2. The very next run, as CI runs it: green, every finding accepted, nothing new or obsolete.
  const ci = await runJest(OPTIONS, ['--ci'], {}, project);
  expectGreen(ci);
  const report = readReport();
  expect(schemaProblems('report', report)).toEqual([]);
  const all = findings(report);
  expect(all.length).toBeGreaterThanOrEqual(3);
  expect(all.map((f) => [f.test, f.baseline])).toEqual(all.map((f) => [f.test, 'accepted']));
  expect(report.baseline).toMatchObject({ applied: true, newFindings: [], grown: [], obsolete: [], written: false });
  expect(verdictOf(ci.stderr)).toContain(`baseline leakproof-baseline.json: 0 new, 0 grown, ${all.length} accepted, 0 obsolete`);
  expect(readFileSync(file('leakproof-baseline.json'), 'utf8')).toBe(baselineText);

  // 3. An edit above every allocation moves their lines (below the docblock, which must stay
  // first): still the same findings.
  const edited = readFileSync(SUITE, 'utf8').replace(/^(\/\*\*[\s\S]*?\*\/\n)/, '$1// an edit\n\n\n');
  expect(edited.split('\n').length).toBe(readFileSync(SUITE, 'utf8').split('\n').length + 3);
  writeFileSync(file('governed.suite.js'), edited);
  const moved = await runJest(OPTIONS, ['--ci'], {}, project);
  expectGreen(moved);
  expect(findings(readReport()).every((f) => f.baseline === 'accepted')).toBe(true);
  expect(verdictOf(moved.stderr)).toMatch(/baseline leakproof-baseline\.json: 0 new, 0 grown, \d+ accepted, 0 obsolete/);
}, 180_000);
