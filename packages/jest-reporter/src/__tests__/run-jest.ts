import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { RECORD_DIR_ENV } from '@leakproof/record';

export const SUITES = path.resolve(__dirname, 'suites');
const JEST = require.resolve('jest/bin/jest');
const ENVIRONMENT = path.resolve(__dirname, '../../../jest-environment/dist/index.js');
const REPORTER = path.resolve(__dirname, '../../dist/index.js');

export interface JestRun {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/**
 * Real Jest, in a child process, on the suites next to this file (or the `*.suite.js` files of
 * another project directory) with the leakproof environment and this reporter (built: dist/).
 * The outer run's record directory is not passed down: this repository tests itself with the
 * reporter, and the child must get its own.
 */
export function runJest(
  reporterOptions: object,
  args: string[] = [],
  env: Record<string, string> = {},
  rootDir: string = SUITES,
): Promise<JestRun> {
  const config = {
    rootDir,
    testMatch: ['**/*.suite.js'],
    testEnvironment: ENVIRONMENT,
    reporters: [[REPORTER, reporterOptions]],
    transform: {},
    testTimeout: 20_000,
  };
  const childEnv: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', ...env };
  if (!env[RECORD_DIR_ENV]) delete childEnv[RECORD_DIR_ENV];
  delete childEnv.GITHUB_ACTIONS;
  delete childEnv.LEAKPROOF_UPDATE_BASELINE;
  Object.assign(childEnv, env);
  return new Promise((resolve, reject) => {
    // Jest turns --ci on when it detects a CI service (CI=true...): the caller decides instead.
    const ci = args.some((a) => a.startsWith('--ci')) ? [] : ['--ci=false'];
    const child = spawn(process.execPath, [JEST, '--config', JSON.stringify(config), ...ci, ...args], { cwd: rootDir, env: childEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ stdout, stderr, exitCode }));
  });
}
