import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RECORD_DIR_ENV } from '@leakproof/record';

export const SUITES = path.resolve(__dirname, '../../../../fixtures/env-suites');
const JEST = require.resolve('jest/bin/jest');
const TS_JEST = require.resolve('ts-jest');
const ENVIRONMENT = path.resolve(__dirname, '../../dist/index.js');

export interface SuiteRun {
  /** Per test title: status and failure text. */
  tests: Map<string, { status: string; failure: string }>;
  /** File-level failure (suite could not run, or errors outside tests). */
  fileFailure: string;
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/** Runs real Jest, in a child process, on one suite of fixtures/env-suites with the leakproof environment. */
export async function runSuite(file: string, leakproofOptions?: object, env: Record<string, string> = {}): Promise<SuiteRun> {
  const [run] = await runSuites([file], leakproofOptions, env);
  return run;
}

/** Several suites in one Jest run, in band: one process, one environment after the other. */
export async function runSuites(files: string[], leakproofOptions?: object, env: Record<string, string> = {}): Promise<SuiteRun[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'leakproof-suite-'));
  const output = path.join(dir, 'result.json');
  const config = {
    rootDir: SUITES,
    testMatch: ['**/*.suite.js', '**/*.suite.ts'],
    testEnvironment: ENVIRONMENT,
    testEnvironmentOptions: leakproofOptions ? { leakproof: leakproofOptions } : {},
    // JS suites run as written; TypeScript ones through ts-jest (transpile only), as users' do.
    transform: files.some((f) => f.endsWith('.ts'))
      ? { '^.+\\.ts$': [TS_JEST, { isolatedModules: true, tsconfig: { module: 'commonjs', target: 'es2022' } }] }
      : {},
    // Room for a matcher's heap-snapshot explanation on a loaded 2-core machine.
    testTimeout: 20_000,
  };
  try {
    const { stdout, stderr, exitCode } = await run(env, process.execPath, [
      JEST,
      '--ci',
      '--runInBand',
      '--json',
      `--outputFile=${output}`,
      '--config',
      JSON.stringify(config),
      '--runTestsByPath',
      ...files.map((file) => path.join(SUITES, file)),
    ]);
    const result = JSON.parse(readFileSync(output, 'utf8'));
    return files.map((file) => {
      const fileResult = result.testResults.find((r: { name: string }) => r.name === path.join(SUITES, file));
      if (!fileResult) throw new Error(`no result for ${file} in the Jest run:\n${stderr}`);
      const tests = new Map<string, { status: string; failure: string }>();
      for (const a of fileResult.assertionResults) tests.set(a.title, { status: a.status, failure: a.failureMessages.join('\n') });
      return { tests, fileFailure: fileResult.message ?? '', stdout, stderr, exitCode };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(
  env: Record<string, string>,
  command: string,
  args: string[],
): Promise<{ stdout: string; stderr: string; exitCode: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: SUITES, env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ stdout, stderr, exitCode }));
  });
}

/** The outer run's record directory is not the nested run's: records go only where a test asks. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', ...extra };
  if (!(RECORD_DIR_ENV in extra)) delete env[RECORD_DIR_ENV];
  return env;
}
