import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RECORD_DIR_ENV } from '@leakproof/record';
import { schemaProblems } from '../schema-validation';
import type { LeakReport } from '../report-types';
import { verdictOf } from './printed';
import { runJest } from './run-jest';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'leakproof-e2e-'));
  schemaProblems('report', {});
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const out = (name: string) => path.join(dir, name);
const options = () => ({ outputFile: out('report.json'), htmlFile: out('report.html'), baseline: out('baseline.json') });
const readReport = (name: string): LeakReport => JSON.parse(readFileSync(out(name), 'utf8'));

test('real Jest: update, then --ci fails on a finding the baseline does not have; shards merge to one verdict', async () => {
  // 1. Accept the current state; the record directory given from outside is used and kept.
  const records = mkdtempSync(path.join(dir, 'records-'));
  const update = await runJest(options(), [], { LEAKPROOF_UPDATE_BASELINE: '1', [RECORD_DIR_ENV]: records });
  expect(update.exitCode).toBe(0);
  expect(readdirSync(records).filter((f) => f.endsWith('.json'))).toHaveLength(3);
  const report = readReport('report.json');
  expect(schemaProblems('report', report)).toEqual([]);
  const findings = report.tests.flatMap((t) =>
    t.checks.flatMap((c) =>
      c.findings.map((f) => ({ test: t.fullName, source: c.source, outcome: c.outcome, kind: f.kind, name: f.name, baseline: f.baseline })),
    ),
  );
  expect(findings).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        test: 'leaves an interval open',
        source: 'handles',
        outcome: 'warned',
        kind: 'handles',
        baseline: 'accepted',
      }),
      expect.objectContaining({ test: 'pins a known leak', source: 'toLeak', outcome: 'passed', kind: 'js-objects', baseline: 'accepted' }),
    ]),
  );
  const interval = report.tests.find((t) => t.fullName === 'leaves an interval open')!;
  expect(interval.location?.line).toBe(8);
  const baseline = JSON.parse(readFileSync(out('baseline.json'), 'utf8'));
  expect(baseline.findings.map((f: { testPath: string }) => f.testPath).sort()).toEqual(['pinned.suite.js', 'warned.suite.js']);

  // 2. A finding missing from the baseline fails a --ci run, which writes nothing.
  const edited = { ...baseline, findings: baseline.findings.filter((f: { testPath: string }) => f.testPath !== 'warned.suite.js') };
  writeFileSync(out('baseline.json'), JSON.stringify(edited));
  const ci = await runJest(options(), ['--ci', '-u'], { GITHUB_ACTIONS: 'true' });
  expect(ci.exitCode).toBe(1);
  expect(verdictOf(ci.stderr)).toMatch(/leakproof: FAIL: .*1 new, 0 grown, 1 accepted, 0 obsolete/);
  expect(ci.stdout).toMatch(/^::error file=warned\.suite\.js,line=8,col=\d+,title=leakproof::leaves an interval open: handles/m);
  expect(JSON.parse(readFileSync(out('baseline.json'), 'utf8'))).toEqual(edited);

  // 3. Shards: each passes on its own tests' regressions; merge applies the baseline once.
  writeFileSync(out('baseline.json'), `${JSON.stringify(baseline)}\n`);
  const shards = await Promise.all([1, 2].map((i) => runJest(options(), ['--ci', `--shard=${i}/2`])));
  for (const shard of shards) expect(shard.exitCode).toBe(0);
  const bin = path.resolve(__dirname, '../../bin/leakproof.js');
  const merge = spawnSync(
    process.execPath,
    [
      bin,
      'merge',
      'report.shard-1-of-2.json',
      'report.shard-2-of-2.json',
      '--out',
      'merged.json',
      '--baseline',
      'baseline.json',
      '--root-dir',
      path.resolve(__dirname, 'suites'),
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  expect(merge.stderr).toBe('');
  expect(merge.status).toBe(0);
  expect(readReport('merged.json').files.map((f) => f.testPath)).toEqual(['clean.suite.js', 'pinned.suite.js', 'warned.suite.js']);
}, 120_000);
