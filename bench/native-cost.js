'use strict';
// Native tracking costs, from the tracker's own benchmarks, each in a fresh child process:
//   packages/native-tracker/bench/cost.js          ns per malloc/free pair, tracking off vs on
//   packages/native-tracker/bench/malloc-heavy.js  a 1000-allocation addon call, tracking off vs on
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const BENCH = path.resolve(__dirname, '..', 'packages', 'native-tracker', 'bench');

function runJson(script, args) {
  const out = execFileSync(process.execPath, [path.join(BENCH, script), ...args, '--json'], { encoding: 'utf8', maxBuffer: 16 << 20 });
  return JSON.parse(out.trim().split('\n').pop());
}

function measureNativeCosts({ quick = false, log = () => {} } = {}) {
  log('  cost per malloc/free pair');
  const pairs = runJson('cost.js', ['--rounds', quick ? '3' : '15']);
  log('  malloc-heavy addon call (1000 allocations per call)');
  const heavy = runJson('malloc-heavy.js', ['--rounds', quick ? '3' : '15']);
  return { pairs, heavy };
}

module.exports = { measureNativeCosts };
