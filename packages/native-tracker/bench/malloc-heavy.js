#!/usr/bin/env node
'use strict';
// Runtime of a malloc-heavy addon call with tracking off and on (the issue's goal: tracking adds
// at most 2x the call's runtime):
//   node packages/native-tracker/bench/malloc-heavy.js [--allocs N] [--passes 0,1,4] [--calls N] [--rounds N] [--json]
// The call is the corpus's `manySmallAllocs(1000, passes)`: 1000 blocks of 16-136 bytes, each
// filled, rewritten and summed `passes` times, and freed (`small_allocs_work`). The ratio depends
// on the work done per allocation (tracking adds a fixed cost per malloc/free pair), so it is
// measured for each `passes` given. One sample times `calls` calls from JS; the modes alternate
// within each round (tracking started before and stopped after each sample), so drift of the
// machine hits them alike; medians over the rounds are reported, and ratios against off.
// Needs `npm run build` first.
const tracker = require('..');
const corpus = require('@leakproof/native-corpus');

const { args, option, textOption, median, requireTracking } = require('./common');
const allocs = option('allocs', 1000);
const calls = option('calls', 200);
const rounds = option('rounds', 15);
const passesList = textOption('passes', '0,1,4').split(',').map(Number);

requireTracking();

const modes = [
  { name: 'off', start: null },
  { name: 'counting (stackDepth 0)', start: { stackDepth: 0 } },
  { name: 'stacks, depth 8', start: { stackDepth: 8 } },
  // Every allocation unwound (no per-thread memo): the worst case, for reference.
  { name: 'stacks, depth 8, no memo', start: { stackDepth: 8, stackMemo: false } },
];

let sink = 0;
function usPerCall(mode, passes) {
  if (mode.start) tracker.startNativeTracking(mode.start);
  try {
    const began = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) sink += corpus.manySmallAllocs(allocs, passes);
    return Number(process.hrtime.bigint() - began) / 1000 / calls;
  } finally {
    if (mode.start) tracker.stopNativeTracking();
  }
}

const round = (x, digits) => Math.round(x * 10 ** digits) / 10 ** digits;

function measure(passes) {
  const samples = new Map(modes.map((m) => [m.name, []]));
  for (const mode of modes) usPerCall(mode, passes); // warm-up: JIT, tables paged in, sites interned
  for (let r = 0; r < rounds; r++) {
    for (const mode of modes) samples.get(mode.name).push(usPerCall(mode, passes));
  }
  const off = median(samples.get('off'));
  return modes.map((m) => {
    const us = median(samples.get(m.name));
    return {
      passes,
      mode: m.name,
      usPerCall: round(us, 1),
      ratioVsOff: round(us / off, 2),
      nsAddedPerAlloc: round(((us - off) * 1000) / allocs, 1),
      min: round(Math.min(...samples.get(m.name)), 1),
      max: round(Math.max(...samples.get(m.name)), 1),
    };
  });
}

const results = passesList.flatMap(measure);
const goal = 2;
const judged = (r) => r.mode !== 'off' && !r.mode.includes('no memo');
const withinGoal = Object.fromEntries(
  passesList.map((p) => [p, results.filter((r) => r.passes === p && judged(r)).every((r) => r.ratioVsOff <= goal)]),
);
const report = {
  node: process.version,
  allocsPerCall: allocs,
  callsPerSample: calls,
  rounds,
  goalRatio: goal,
  withinGoal,
  results,
  checksum: sink % 1000,
};

if (args.includes('--json')) {
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n\n`);
  console.log(`A malloc-heavy addon call (\`manySmallAllocs(${allocs}, passes)\`: ${allocs} malloc/free pairs of 16-136 B, each block`);
  console.log(`filled, then rewritten and summed \`passes\` times), ${calls} calls per sample, median of ${rounds} rounds,`);
  console.log(`modes alternating (node ${process.version}):\n`);
  console.log('| passes | tracking | µs per call | vs off | added per allocation |');
  console.log('|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.passes} | ${r.mode} | ${r.usPerCall} | ${r.ratioVsOff.toFixed(2)}x | ${r.mode === 'off' ? '' : `${r.nsAddedPerAlloc} ns`} |`,
    );
  }
  console.log('');
  for (const p of passesList) {
    console.log(
      `passes ${p}: goal (tracking on at most ${goal}x off, counting and stacks with the memo): ${withinGoal[p] ? 'met' : 'NOT met'}`,
    );
  }
}
