import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Module } from 'node:module';
import { readBaseline } from '../baseline-file';
import { main } from '../merge-cli';
import { resolveReporterOptions } from '../options';
import { schemaProblems } from '../schema-validation';
import { UPDATE_BASELINE_ENV } from '../index';
import { check, fileRecord, finding, jestResult, testRecord } from './records';
import { makeProject, removeProject, runReporter, type FileRun } from './harness';

// Every sample of docs/ci.md is run here; samples are found by the comment above them.
const REPO = path.resolve(__dirname, '../../../..');
const DOC = readFileSync(path.join(REPO, 'docs/ci.md'), 'utf8');

function sample(name: string): string {
  const match = new RegExp(`<!-- sample: ${name} -->\\n( *)\`\`\`\\w*\\n([\\s\\S]*?)\\n *\`\`\``).exec(DOC);
  if (!match) throw new Error(`docs/ci.md has no sample "${name}"`);
  // A sample in a list item is indented as the fence is: only that indentation is not the sample's.
  const [, indent, body] = match;
  return body
    .split('\n')
    .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
    .join('\n');
}

let root: string;
beforeAll(async () => {
  schemaProblems('report', {});
  schemaProblems('baseline', {});
  const warm = makeProject(['src/a.test.js']);
  await runReporter(warm, scenario(warm));
  removeProject(warm);
});
beforeEach(() => (root = makeProject(['src/a.test.js'])));
afterEach(() => removeProject(root));

/** The run the printed samples show: a warned JS leak (new) and a toLeak-pinned handle (accepted). */
function scenario(rootDir: string): FileRun[] {
  const abs = path.join(rootDir, 'src/a.test.js');
  return [
    {
      result: jestResult(abs, [
        [['client', 'warns'], 'passed'],
        [['client', 'pins'], 'passed'],
      ]),
      record: fileRecord(abs, [
        testRecord(['client', 'warns'], [check({ findings: [finding({ site: null })] })], 4),
        testRecord(
          ['client', 'pins'],
          [
            check({
              source: 'toLeak',
              outcome: 'passed',
              findings: [finding({ kind: 'handles', name: 'Timeout', bytes: 0, retainers: undefined, site: null })],
            }),
          ],
          9,
        ),
      ]),
    },
  ];
}

function acceptPinsOnly(rootDir: string): void {
  writeFileSync(
    path.join(rootDir, 'leakproof-baseline.json'),
    JSON.stringify({
      schemaVersion: 2,
      findings: [
        {
          testPath: 'src/a.test.js',
          fullName: 'client pins',
          kind: 'handles',
          name: 'Timeout',
          site: null,
          per: 'call',
          count: 1,
          bytes: 0,
        },
      ],
    }),
  );
}

test('config sample: a valid Jest config whose reporter options are valid', () => {
  const mod = new Module(path.join(REPO, 'jest.config.sample.js'));
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(REPO);
  (mod as unknown as { _compile(code: string, file: string): void })._compile(sample('config'), mod.id);
  const config = mod.exports as { preset: string; reporters: Array<string | [string, object]> };
  expect(require.resolve(`${config.preset}/jest-preset`, { paths: [REPO] })).toBeTruthy();
  const [name, options] = config.reporters[1] as [string, object];
  expect(require.resolve(name, { paths: [REPO] })).toBe(path.resolve(__dirname, '../../dist/index.js'));
  expect(() => resolveReporterOptions(options)).not.toThrow();
  // The preset's own wiring matches what the page says.
  // The preset is CommonJS, loaded as Jest loads it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  expect(require(path.join(REPO, 'packages/jest-preset/jest-preset.js')).reporters).toEqual([
    'default',
    require.resolve('@leakproof/jest-reporter', { paths: [REPO] }),
  ]);
});

test('baseline sample: valid against the schema and readable', () => {
  const file = path.join(root, 'leakproof-baseline.json');
  writeFileSync(file, sample('baseline'));
  expect(schemaProblems('baseline', JSON.parse(sample('baseline')))).toEqual([]);
  expect(readBaseline(file)!.findings).toHaveLength(1);
});

test('update sample: the flag and the variable the reporter reads', () => {
  const text = sample('update');
  expect(text).toContain('npx jest -u');
  expect(text).toContain(`${UPDATE_BASELINE_ENV}=1 npx jest`);
});

test('printed samples: the summary and the annotation are what the reporter prints', async () => {
  acceptPinsOnly(root);
  // As on the page: an 80-column terminal.
  const run = await runReporter(root, scenario(root), { env: { GITHUB_ACTIONS: 'true' }, terminal: { columns: 80 } });
  const printed = run.stderr
    .split('\n')
    .filter((l) => !l.startsWith('  report:'))
    .join('\n')
    .trim();
  expect(printed).toBe(sample('summary').trim());
  expect(sample('annotation')).toBe(run.stdout.split('\n')[0]);
});

test('merge sample: runs on two shard reports', async () => {
  const abs = path.join(root, 'src/a.test.js');
  await runReporter(root, scenario(root), { globalConfig: { shard: { shardIndex: 1, shardCount: 2 } } });
  await runReporter(
    root,
    [
      {
        result: jestResult(path.join(root, 'src/b.test.js'), [[['b'], 'passed']]),
        record: fileRecord(path.join(root, 'src/b.test.js'), []),
      },
    ],
    { globalConfig: { shard: { shardIndex: 2, shardCount: 2 } } },
  );
  expect(abs).toBeTruthy();
  acceptPinsOnly(root);
  const [npx, bin, ...args] = sample('merge').trim().split(/\s+/);
  expect([npx, bin]).toEqual(['npx', 'leakproof']);
  let stdout = '';
  const code = main(args, { stdout: (t) => (stdout += t), stderr: () => {}, env: {}, cwd: root });
  expect(code).toBe(1); // the warned leak is new
  expect(stdout).toContain('1 new, 0 grown, 1 accepted, 0 obsolete');
  expect(readFileSync(path.join(root, 'leakproof-report.html'), 'utf8')).toContain('<svg');
});
