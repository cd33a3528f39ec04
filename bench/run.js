'use strict';
// `npm run bench`: measures, then rewrites docs/benchmarks.md from the measurements.
//
//   1. bench/verdict-time.js    time to a verdict (leakproof, leakage-style, memlab) on 20 and 90 MB heaps
//   2. bench/jest-overhead.js   wall time of a 200-test suite under jest-environment-node and leakproof's
//   3. bench/verdict-phases.js  where leakproof's verdict time goes, and what-if variants
//   4. bench/native-cost.js     native tracking: ns per malloc/free pair, a malloc-heavy addon call
//   5. bench/reporter-overhead.js  the reporter's share of a clean 200-test run
//   6. bench/ldap-bench.js      the LDAP binding vs ldapjs, ldapts and a C loop; RSS over 1M searches
//
// `node bench/run.js --quick` runs fewer repetitions (a smoke test of the harness; its figures
// are not worth publishing, and it does not touch docs/benchmarks.md unless --write is given).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { machine } = require('./lib/machine');
const { formatMs } = require('./lib/stats');
const { measureVerdictTimes } = require('./verdict-time');
const { measureJestOverhead } = require('./jest-overhead');
const { measureVerdictPhases } = require('./verdict-phases');
const { measureNativeCosts } = require('./native-cost');
const { measureLdap } = require('./ldap-bench');
const { measureReporterOverhead, measureReporterHooks } = require('./reporter-overhead');
const { renderReport } = require('./report');

const ROOT = path.resolve(__dirname, '..');
const DOC = path.join(ROOT, 'docs', 'benchmarks.md');
const RAW = path.join(__dirname, '.tmp', 'last-run.json');

function settings(argv) {
  const quick = argv.includes('--quick');
  return {
    quick,
    write: !quick || argv.includes('--write'),
    verdict: { reps: quick ? 2 : 7, capMs: 12_000 },
    jest: { rounds: quick ? 1 : 5, files: 10, testsPerFile: 20 },
    phases: { probeReps: 1, whatIfReps: quick ? 1 : 4 },
  };
}

function checkBuilt() {
  for (const pkg of ['core', 'jest-matchers', 'jest-environment']) {
    if (!fs.existsSync(path.join(ROOT, 'packages', pkg, 'dist', 'index.js'))) {
      throw new Error(`packages/${pkg}/dist is missing: run \`npm run build\` (npm run bench does it first)`);
    }
  }
}

async function main() {
  const s = settings(process.argv.slice(2));
  checkBuilt();
  const started = performance.now();
  const log = (line) => console.log(line);
  const results = {
    machine: machine(),
    settings: s,
    jestVersion: require(require.resolve('jest/package.json', { paths: [ROOT] })).version,
  };

  log(
    `leakproof benchmarks on ${results.machine.cpu} (${results.machine.cores} cores), Node ${results.machine.node}, load ${results.machine.loadBefore}`,
  );
  results.sectionMs = {};
  const section = async (key, title, measure) => {
    log(title);
    const t = performance.now();
    results[key] = await measure();
    results.sectionMs[key] = performance.now() - t;
    log(`  (${formatMs(results.sectionMs[key])})`);
  };
  await section('verdict', '1/6 time to a verdict', () => measureVerdictTimes({ ...s.verdict, log }));
  await section('jest', '2/6 Jest environment overhead', () => measureJestOverhead({ ...s.jest, log }));
  await section('phases', '3/6 where the verdict time goes', () => measureVerdictPhases({ ...s.phases, log }));
  await section('native', '4/6 native tracking costs', () => measureNativeCosts({ quick: s.quick, log }));
  await section('reporter', '5/6 reporter overhead on a clean 200-test run', async () => ({
    ...(await measureReporterOverhead({ rounds: s.jest.rounds + 2 })),
    hooks: measureReporterHooks(),
  }));
  await section('ldap', '6/6 LDAP binding throughput and resident memory', () => measureLdap({ quick: s.quick, log }));

  results.durationMs = performance.now() - started;
  results.machine.loadAfter = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  fs.mkdirSync(path.dirname(RAW), { recursive: true });
  fs.writeFileSync(RAW, JSON.stringify(results, null, 2));
  const report = renderReport(results);
  if (s.write) {
    fs.writeFileSync(DOC, report);
    log(`wrote ${path.relative(ROOT, DOC)} (raw results: ${path.relative(ROOT, RAW)}) in ${formatMs(results.durationMs)}`);
  } else {
    log(report);
    log(`--quick: docs/benchmarks.md left as it was (raw results: ${path.relative(ROOT, RAW)}) in ${formatMs(results.durationMs)}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
