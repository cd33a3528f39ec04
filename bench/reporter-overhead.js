'use strict';
// Benchmark: what @leakproof/jest-reporter adds to the wall time of a clean 200-test Jest run
// (issue 4 goal: <= 5%). The same generated suite (bench/jest-suite.js) runs under the leakproof
// environment with `reporters: ['default']` and with `['default', '@leakproof/jest-reporter']`,
// alternating (the order flips every round), `--ci --no-cache`, Jest's default worker count.
// The reporter writes its JSON and HTML reports into the suite's directory, as it would in a
// project. Prints one JSON result; `node bench/reporter-overhead.js [rounds]`.
// Besides wall time, the CPU time of Jest's parent process (where reporters run), taken by a
// preload that writes process.cpuUsage() at exit: less disturbed by other load on the machine
// than wall time, and it is where the reporter's whole cost lands (with one worker, Jest runs in
// band and the tests' CPU is in it too).
const { runTimedJest } = require('./lib/run-jest');
const fs = require('node:fs');
const path = require('node:path');
const { generateSuite } = require('./jest-suite');
const { median } = require('./lib/stats');

const ROOT = path.resolve(__dirname, '..');
const LEAKPROOF_ENV = require.resolve('@leakproof/jest-environment', { paths: [ROOT] });
const REPORTER = require.resolve('@leakproof/jest-reporter', { paths: [ROOT] });

const CONFIGS = [
  { id: 'without-reporter', label: "leakproof environment, reporters: ['default']", reporters: ['default'] },
  {
    id: 'with-reporter',
    label: "leakproof environment, reporters: ['default', '@leakproof/jest-reporter']",
    reporters: ['default', REPORTER],
  },
];

async function runJest(suite, config) {
  const cpuFile = path.join(suite.dir, `cpu-${config.id}.json`);
  fs.rmSync(cpuFile, { force: true });
  const env = { LEAKPROOF_BENCH_CPU_FILE: cpuFile, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${suite.cpuProbe}`.trim() };
  const { wallMs, result, exitCode } = await runTimedJest({
    dir: suite.dir,
    id: config.id,
    jestConfig: { testEnvironment: LEAKPROOF_ENV, reporters: config.reporters },
    env,
  });
  const reportWritten = fs.existsSync(path.join(suite.dir, 'leakproof-report.json'));
  const cpu = JSON.parse(fs.readFileSync(cpuFile, 'utf8'));
  return {
    wallMs,
    parentCpuMs: (cpu.user + cpu.system) / 1000,
    passed: result.numPassedTests,
    failed: result.numFailedTests,
    exitCode,
    reportWritten,
  };
}

async function measureReporterOverhead({
  rounds = 7,
  files = 10,
  testsPerFile = 20,
  log = (line) => process.stderr.write(`${line}\n`),
} = {}) {
  const suite = generateSuite({ files, tests: testsPerFile });
  // Only Jest's parent process writes: the one started as jest/bin/jest (workers run
  // jest-worker's child script; JEST_WORKER_ID cannot tell, Jest sets it in band too).
  suite.cpuProbe = path.join(suite.dir, 'cpu-probe.js');
  fs.writeFileSync(
    suite.cpuProbe,
    `if (/jest[\\\\/]bin[\\\\/]jest(\\.js)?$/.test(process.argv[1] || '')) process.on('exit', () => require('node:fs').writeFileSync(process.env.LEAKPROOF_BENCH_CPU_FILE, JSON.stringify(process.cpuUsage())));\n`,
  );
  const runs = new Map(CONFIGS.map((c) => [c.id, []]));
  try {
    // One untimed run of each: the first timed run must not pay for a cold disk cache.
    for (const config of CONFIGS) await runJest(suite, config);
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 ? CONFIGS : [...CONFIGS].reverse();
      for (const config of order) {
        fs.rmSync(path.join(suite.dir, 'leakproof-report.json'), { force: true });
        const run = await runJest(suite, config);
        if (config.id === 'with-reporter' && !run.reportWritten) throw new Error('the reporter wrote no leakproof-report.json');
        runs.get(config.id).push(run);
        log(
          `  [${round}/${rounds}] ${config.id.padEnd(17)} ${Math.round(run.wallMs)} ms wall, parent ${Math.round(run.parentCpuMs)} ms CPU, ${run.passed} passed, ${run.failed} failed`,
        );
      }
    }
  } finally {
    fs.rmSync(suite.dir, { recursive: true, force: true });
  }
  const summary = CONFIGS.map((c) => {
    const r = runs.get(c.id);
    const walls = r.map((x) => x.wallMs);
    const cpus = r.map((x) => x.parentCpuMs);
    return {
      id: c.id,
      label: c.label,
      runs: r.length,
      wallMedian: median(walls),
      wallMin: Math.min(...walls),
      wallAll: walls.map(Math.round),
      parentCpuMedian: median(cpus),
      parentCpuAll: cpus.map(Math.round),
      failed: Math.max(...r.map((x) => x.failed)),
    };
  });
  const [without, withReporter] = summary;
  const overhead = withReporter.wallMedian / without.wallMedian - 1;
  // The fastest runs are the least disturbed by other load on the machine: a second view.
  const overheadOfMins = withReporter.wallMin / without.wallMin - 1;
  // The reporter's CPU in the parent, as a share of the run's wall time without it.
  const parentCpuAddedMs = withReporter.parentCpuMedian - without.parentCpuMedian;
  const parentCpuShareOfWall = parentCpuAddedMs / without.wallMedian;
  const os = require('node:os');
  return {
    files,
    testsPerFile,
    tests: files * testsPerFile,
    rounds,
    configs: summary,
    overhead,
    overheadOfMins,
    parentCpuAddedMs,
    parentCpuShareOfWall,
    goal: 0.05,
    met: overhead <= 0.05,
    loadavg: os.loadavg(),
    cpus: os.cpus().length,
  };
}

/**
 * The reporter's own work, in process, without Jest around it: the hooks Jest calls for a clean
 * run of `files` x `testsPerFile` tests (each file with its record), reports written. A figure
 * that does not drown in the run-to-run noise of whole Jest runs.
 */
function measureReporterHooks({ rounds = 7, files = 10, testsPerFile = 20 } = {}) {
  const os = require('node:os');
  const Reporter = require(REPORTER).default;
  const times = [];
  for (let round = 0; round < rounds; round++) {
    const rootDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakproof-bench-hooks-'));
    const saved = process.env.LEAKPROOF_RECORD_DIR;
    delete process.env.LEAKPROOF_RECORD_DIR;
    const write = process.stderr.write;
    process.stderr.write = () => true;
    try {
      const started = performance.now();
      const reporter = new Reporter({ rootDir, ci: true, updateSnapshot: 'none' }, {});
      const dir = process.env.LEAKPROOF_RECORD_DIR;
      reporter.onRunStart();
      for (let f = 0; f < files; f++) {
        const testFilePath = path.join(rootDir, `file-${f}.test.js`);
        fs.writeFileSync(
          path.join(dir, `file-${f}.json`),
          JSON.stringify({ version: 1, testPath: testFilePath, tests: [], fileChecks: [], nativeTracking: { available: true } }),
        );
        const testResults = Array.from({ length: testsPerFile }, (_, t) => ({
          ancestorTitles: [`file ${f}`],
          title: `case ${t}`,
          fullName: `file ${f} case ${t}`,
          status: 'passed',
          location: null,
          failureMessages: [],
        }));
        reporter.onTestFileResult({}, { testFilePath, testResults, numFailingTests: 0 });
      }
      reporter.onRunComplete(new Set(), { numTotalTestSuites: files });
      times.push(performance.now() - started);
    } finally {
      process.stderr.write = write;
      if (saved !== undefined) process.env.LEAKPROOF_RECORD_DIR = saved;
      fs.rmSync(rootDir, { recursive: true, force: true });
    }
  }
  return { rounds, medianMs: median(times), allMs: times.map((t) => Math.round(t * 10) / 10), firstMs: times[0] };
}

module.exports = { measureReporterOverhead, measureReporterHooks };

if (require.main === module) {
  const rounds = Number(process.argv[2] ?? 7);
  measureReporterOverhead({ rounds }).then(
    (result) => console.log(JSON.stringify({ ...result, hooks: measureReporterHooks() }, null, 2)),
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
