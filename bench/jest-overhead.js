'use strict';
// Benchmark 2: the environment's per-test overhead. The same generated suite runs under plain
// jest-environment-node and under @leakproof/jest-environment, alternating (the order flips every
// round), both with `--ci --no-cache` and Jest's default worker count. More configurations show
// where the overhead goes: leakproof with its heap check off, with its handle check off, and with
// the what-if patches of what-if/jest-environment.js preloaded into Jest and its workers.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { generateSuite } = require('./jest-suite');
const { median } = require('./lib/stats');

const ROOT = path.resolve(__dirname, '..');
const JEST = require.resolve('jest/bin/jest', { paths: [ROOT] });
const LEAKPROOF_ENV = require.resolve('@leakproof/jest-environment', { paths: [ROOT] });

const CONFIGS = [
  { id: 'node', label: 'jest-environment-node', testEnvironment: 'node' },
  { id: 'leakproof', label: '@leakproof/jest-environment', testEnvironment: LEAKPROOF_ENV },
  { id: 'leakproof-heap-off', label: 'leakproof, heap check off', testEnvironment: LEAKPROOF_ENV, leakproof: { heap: { mode: 'off' } } },
  { id: 'leakproof-handles-off', label: 'leakproof, handle check off', testEnvironment: LEAKPROOF_ENV, leakproof: { handles: { mode: 'off' } } },
  { id: 'leakproof-native-off', label: 'leakproof, native check off', testEnvironment: LEAKPROOF_ENV, leakproof: { native: { mode: 'off' } } },
  {
    id: 'leakproof-what-if',
    label: 'leakproof + what-if/jest-environment.js',
    testEnvironment: LEAKPROOF_ENV,
    preload: path.join(__dirname, 'what-if', 'jest-environment.js'),
  },
];

function runJest(suite, config) {
  const output = path.join(suite.dir, `result-${config.id}.json`);
  const jestConfig = {
    rootDir: suite.dir,
    testEnvironment: config.testEnvironment,
    testEnvironmentOptions: config.leakproof ? { leakproof: config.leakproof } : {},
    transform: {},
    cacheDirectory: path.join(suite.dir, '.jest-cache'),
  };
  const args = [JEST, '--ci', '--no-cache', '--watchman=false', '--json', `--outputFile=${output}`, '--config', JSON.stringify(jestConfig)];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const env = { ...process.env, FORCE_COLOR: '0' };
    if (config.preload) env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --require ${config.preload}`.trim();
    const child = spawn(process.execPath, args, { cwd: suite.dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      let result;
      try {
        result = JSON.parse(fs.readFileSync(output, 'utf8'));
      } catch {
        return reject(new Error(`jest (${config.id}) wrote no result, exit ${code}:\n${stderr}`));
      }
      const fileMs = result.testResults.reduce((sum, f) => sum + (f.endTime - f.startTime), 0);
      const failures = result.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status !== 'passed').map((a) => `${a.fullName}: ${a.failureMessages.join(' ').slice(0, 300)}`));
      resolve({ wallMs, fileMs, passed: result.numPassedTests, failed: result.numFailedTests, failures, exitCode: code });
    });
  });
}

async function measureJestOverhead({ rounds = 5, files = 10, testsPerFile = 20, log = console.log } = {}) {
  const suite = generateSuite({ files, tests: testsPerFile });
  const runs = new Map(CONFIGS.map((c) => [c.id, []]));
  try {
    // One untimed run of each, so that the first timed run does not pay for a cold disk cache.
    for (const config of CONFIGS.slice(0, 2)) await runJest(suite, config);
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 ? CONFIGS : [...CONFIGS].reverse();
      for (const config of order) {
        const run = await runJest(suite, config);
        runs.get(config.id).push(run);
        log(`  [${round}/${rounds}] ${config.id.padEnd(22)} ${Math.round(run.wallMs)} ms wall, ${run.passed} passed, ${run.failed} failed`);
      }
    }
  } finally {
    fs.rmSync(suite.dir, { recursive: true, force: true });
  }
  const summary = CONFIGS.map((c) => {
    const r = runs.get(c.id);
    return {
      id: c.id,
      label: c.label,
      runs: r.length,
      wallMedian: median(r.map((x) => x.wallMs)),
      wallAll: r.map((x) => x.wallMs),
      fileMedian: median(r.map((x) => x.fileMs)),
      passed: median(r.map((x) => x.passed)),
      failed: Math.max(...r.map((x) => x.failed)),
      failures: [...new Set(r.flatMap((x) => x.failures))].slice(0, 5),
    };
  });
  return { files, testsPerFile, tests: suite.tests, rounds, configs: summary };
}

module.exports = { measureJestOverhead };
