import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { main } from '../merge-cli';
import { schemaProblems } from '../schema-validation';
import type { LeakReport } from '../report-types';
import { check, fileRecord, finding, jestResult, testRecord } from './records';
import { makeProject, removeProject, runReporter } from './harness';

const A = 'src/a.test.js';
const B = 'src/b.test.js';
let root: string;
// Validators are cached and V8 compiles lazily: one whole merge outside the tests, so that the
// environment's per-test heap check does not charge those one-time costs to the first test.
beforeAll(async () => {
  schemaProblems('baseline', {});
  root = makeProject([A, B]);
  await shards();
  cli('merge', S1, S2, '--update', '--html', 'm.html');
  cli('merge', S1, S2);
  removeProject(root);
});
beforeEach(() => (root = makeProject([A, B])));
afterEach(() => removeProject(root));

function cli(...argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, cwd: root });
  return { code, stdout, stderr };
}

/** Two shards: a.test.js (shard 1, a warned Array leak) and b.test.js (shard 2, clean). */
async function shards(name = 'Array'): Promise<void> {
  const a = path.join(root, A);
  const b = path.join(root, B);
  await runReporter(
    root,
    [
      {
        result: jestResult(a, [[['leaks'], 'passed']]),
        record: fileRecord(a, [testRecord(['leaks'], [check({ findings: [finding({ name })] })])]),
      },
    ],
    { globalConfig: { shard: { shardIndex: 1, shardCount: 2 } } },
  );
  await runReporter(root, [{ result: jestResult(b, [[['clean'], 'passed']]), record: fileRecord(b, []) }], {
    globalConfig: { shard: { shardIndex: 2, shardCount: 2 } },
  });
}

const S1 = 'leakproof-report.shard-1-of-2.json';
const S2 = 'leakproof-report.shard-2-of-2.json';

test('merge --update writes the baseline once; merged report is valid and unsharded', async () => {
  await shards();
  const update = cli('merge', S1, S2, '--out', 'merged.json', '--update');
  expect(update).toMatchObject({ code: 0, stderr: '' });
  const merged: LeakReport = JSON.parse(readFileSync(path.join(root, 'merged.json'), 'utf8'));
  expect(schemaProblems('report', merged)).toEqual([]);
  expect(merged.shard).toBeNull();
  expect(merged.files.map((f) => f.testPath)).toEqual([A, B]);
  expect(merged.baseline).toMatchObject({ written: true, applied: true });
  const baseline = JSON.parse(readFileSync(path.join(root, 'leakproof-baseline.json'), 'utf8'));
  expect(baseline.findings).toHaveLength(1);

  const again = cli('merge', S1, S2, '--out', 'merged.json', '--baseline', 'leakproof-baseline.json', '--html', 'merged.html');
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('baseline leakproof-baseline.json: 0 new, 0 grown, 1 accepted, 0 obsolete');
  expect(readFileSync(path.join(root, 'merged.html'), 'utf8')).toContain('<svg class="rounds"');
});

test('a regression in any shard: exit 1; obsolescence judged over all shards', async () => {
  await shards();
  cli('merge', S1, S2, '--update');
  await shards('Map'); // Array fixed, Map new
  const run = cli('merge', S1, S2);
  expect(run.code).toBe(1);
  expect(run.stdout).toContain(
    'leakproof: FAIL: 1 finding in 1 test; baseline leakproof-baseline.json: 1 new, 0 grown, 0 accepted, 1 obsolete.',
  );
  expect(run.stdout).toContain('obsolete in leakproof-baseline.json');
});

test('bad input: missing file, missing shard, the same shard twice, the same test in two shards, future schemaVersion, not a report', async () => {
  await shards();
  expect(cli('merge', S1, 'nope.json')).toMatchObject({
    code: 2,
    stderr: `leakproof merge: ${path.join(root, 'nope.json')} does not exist (did that shard fail before its reporter wrote it, or was its artifact not downloaded?)\n`,
  });
  expect(cli('merge', S1).stderr).toBe('leakproof merge: shard 2 of 2 missing: pass the report of every shard\n');
  expect(cli('merge', S1, S1).stderr).toMatch(/^leakproof merge: \S+shard-1-of-2\.json and \S+shard-1-of-2\.json are both shard 1\/2/);

  const copy = JSON.parse(readFileSync(path.join(root, S1), 'utf8'));
  copy.shard.shardIndex = 2;
  writeFileSync(path.join(root, 'dup.json'), JSON.stringify(copy));
  expect(cli('merge', S1, 'dup.json').stderr).toBe(
    `leakproof merge: ${A} is in both ${path.join(root, S1)} and ${path.join(root, 'dup.json')}: the same test ran in two shards (the same report passed twice, or shards of different runs?)\n`,
  );

  writeFileSync(path.join(root, 'future.json'), JSON.stringify({ ...copy, schemaVersion: 3 }));
  expect(cli('merge', S1, 'future.json').stderr).toContain(
    'future.json has schemaVersion 3, written by a newer @leakproof/jest-reporter; this one reads version 2',
  );

  writeFileSync(path.join(root, 'bad.json'), JSON.stringify({ ...copy, tests: [{ testPath: 1 }] }));
  expect(cli('merge', S1, 'bad.json').stderr).toMatch(
    /bad\.json is not a leakproof report: \/tests\/0 must have required property 'fullName'.*\/tests\/0\/testPath must be string/,
  );

  writeFileSync(path.join(root, 'corrupt.json'), '{"schemaVersion": 2,');
  expect(cli('merge', S1, 'corrupt.json').stderr).toMatch(/corrupt\.json is not valid JSON/);
});

test('shards that cannot be one run: an index out of range, another leakproof version, a shard that ran no test file', async () => {
  await shards();
  const second = JSON.parse(readFileSync(path.join(root, S2), 'utf8')) as LeakReport;
  writeFileSync(path.join(root, 'three.json'), JSON.stringify({ ...second, shard: { shardIndex: 3, shardCount: 2 } }));
  expect(cli('merge', S1, 'three.json')).toMatchObject({
    code: 2,
    stderr: `leakproof merge: ${path.join(root, 'three.json')} says it is shard 3 of 2, but shards are numbered 1 to 2\n`,
  });

  writeFileSync(path.join(root, 'other.json'), JSON.stringify({ ...second, tool: { ...second.tool, version: '9.9.9' } }));
  const other = cli('merge', S1, 'other.json');
  expect(other.code).toBe(2);
  expect(other.stderr).toMatch(
    /^leakproof merge: the reports were written by different leakproof versions \(.*other\.json: @leakproof\/jest-reporter@9\.9\.9\)/,
  );

  const empty = { ...second, files: [], tests: [] };
  writeFileSync(path.join(root, 'empty.json'), JSON.stringify(empty));
  expect(cli('merge', S1, 'empty.json')).toMatchObject({
    code: 2,
    stderr: `leakproof merge: ${path.join(root, 'empty.json')} ran no test file (a shard job that found no tests, or the report of another job?); when that is expected (jest --passWithNoTests with fewer test files than shards), pass --allow-empty\n`,
  });
  expect(cli('merge', S1, 'empty.json', '--allow-empty').code).toBe(0);
});

test('a schema-1 shard report (leakproof 0.1) is refused by name: shards and merge must be the same leakproof version', async () => {
  await shards();
  // What a 0.1 reporter wrote: schemaVersion 1, findings as display text.
  const old = JSON.parse(readFileSync(path.join(root, S2), 'utf8'));
  old.schemaVersion = 1;
  writeFileSync(path.join(root, 'old-shard-2.json'), JSON.stringify(old));
  expect(cli('merge', S1, 'old-shard-2.json')).toEqual({
    code: 2,
    stdout: '',
    stderr: `leakproof merge: ${path.join(root, 'old-shard-2.json')} has schemaVersion 1, written by an older @leakproof/jest-reporter (leakproof 0.1); this one reads version 2: the shards must be produced by the same leakproof version as the merge (use the same version in every job and rerun the shards)\n`,
  });
});

test('usage errors exit 2 with the usage', () => {
  expect(cli('frobnicate')).toMatchObject({
    code: 2,
    stderr: expect.stringContaining('leakproof: unknown command "frobnicate"\nusage: leakproof merge'),
  });
  expect(cli('merge', 'a.json', '--tolerance', 'x').stderr).toContain('--tolerance x: expected a number from 0 to 10');
  expect(cli('merge', '--out')).toMatchObject({ code: 2, stderr: expect.stringContaining('--out needs a value') });
  expect(cli('--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('usage: leakproof merge') });
});

test('the bin runs from the package (exit code on regression)', async () => {
  await shards();
  writeFileSync(path.join(root, 'leakproof-baseline.json'), '{"schemaVersion":2,"findings":[]}');
  const bin = path.resolve(__dirname, '../../bin/leakproof.js');
  const run = spawnSync(process.execPath, [bin, 'merge', S1, S2], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, GITHUB_ACTIONS: 'true' },
  });
  expect(run.status).toBe(1);
  expect(run.stdout).toMatch(/^::error file=src\/a\.test\.js,line=3,col=1,title=leakproof::leaks: JS objects Array/);
});
