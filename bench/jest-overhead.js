'use strict';
// Benchmark 2: the environment's per-test overhead. The same generated suite runs under plain
// jest-environment-node and under @leakproof/jest-environment, alternating (the order flips every
// round), both with `--ci --no-cache` and Jest's default worker count. More configurations show
// where the overhead goes: leakproof with its heap, handle or native check off.
const { runTimedJest } = require('./lib/run-jest');
const fs = require('node:fs');
const path = require('node:path');
const { generateSuite } = require('./jest-suite');
const { median } = require('./lib/stats');

const ROOT = path.resolve(__dirname, '..');
const LEAKPROOF_ENV = require.resolve('@leakproof/jest-environment', { paths: [ROOT] });

const CONFIGS = [
  { id: 'node', label: 'jest-environment-node', testEnvironment: 'node' },
  { id: 'leakproof', label: '@leakproof/jest-environment', testEnvironment: LEAKPROOF_ENV },
  { id: 'leakproof-heap-off', label: 'leakproof, heap check off', testEnvironment: LEAKPROOF_ENV, leakproof: { heap: { mode: 'off' } } },
  {
    id: 'leakproof-handles-off',
    label: 'leakproof, handle check off',
    testEnvironment: LEAKPROOF_ENV,
    leakproof: { handles: { mode: 'off' } },
  },
  {
    id: 'leakproof-native-off',
    label: 'leakproof, native check off',
    testEnvironment: LEAKPROOF_ENV,
    leakproof: { native: { mode: 'off' } },
  },
];

async function runJest(suite, config) {
  const env = {};
  if (config.preload) env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require ${config.preload}`.trim();
  const { wallMs, result, exitCode } = await runTimedJest({
    dir: suite.dir,
    id: config.id,
    jestConfig: {
      testEnvironment: config.testEnvironment,
      testEnvironmentOptions: config.leakproof ? { leakproof: config.leakproof } : {},
    },
    env,
  });
  const fileMs = result.testResults.reduce((sum, f) => sum + (f.endTime - f.startTime), 0);
  const failures = result.testResults.flatMap((f) =>
    f.assertionResults.filter((a) => a.status !== 'passed').map((a) => `${a.fullName}: ${a.failureMessages.join(' ').slice(0, 300)}`),
  );
  return { wallMs, fileMs, passed: result.numPassedTests, failed: result.numFailedTests, failures, exitCode };
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
