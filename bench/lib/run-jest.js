'use strict';
// One timed Jest run in a child process, for the benchmarks that compare Jest configurations:
// wall time is spawn to exit; the result is Jest's --json output.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const JEST = require.resolve('jest/bin/jest', { paths: [path.resolve(__dirname, '..', '..')] });

/** Runs Jest on `dir` with `jestConfig`; resolves { wallMs, result, exitCode }. */
function runTimedJest({ dir, id, jestConfig, env = {} }) {
  const output = path.join(dir, `result-${id}.json`);
  const args = [
    JEST,
    '--ci',
    '--no-cache',
    '--watchman=false',
    '--json',
    `--outputFile=${output}`,
    '--config',
    JSON.stringify({ ...jestConfig, rootDir: dir, transform: {}, cacheDirectory: path.join(dir, '.jest-cache') }),
  ];
  const childEnv = { ...process.env, FORCE_COLOR: '0', ...env };
  // An outer leakproof run (npm test) must not lend its record directory to this one.
  if (!('LEAKPROOF_RECORD_DIR' in env)) delete childEnv.LEAKPROOF_RECORD_DIR;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: dir, env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      try {
        resolve({ wallMs, result: JSON.parse(fs.readFileSync(output, 'utf8')), exitCode: code });
      } catch {
        reject(new Error(`jest (${id}) wrote no result, exit ${code}:\n${stderr}`));
      }
    });
  });
}

module.exports = { runTimedJest };
