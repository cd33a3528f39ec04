#!/usr/bin/env node
'use strict';
// Cost of one malloc/free pair made by an addon: tracking off, on counting only, on with stacks.
//   node packages/native-tracker/bench/cost.js [--pairs N] [--rounds N] [--json]
// Needs `npm run build` first. The pairs are made in C (the corpus's `churn`: malloc(64), free),
// so the JS call overhead is spread over N pairs. Modes alternate within each round, so drift of
// the machine (frequency, other load) hits them alike; medians over the rounds are reported.
const tracker = require('..');
const corpus = require('@leakproof/native-corpus');

const { args, option, median, requireTracking } = require('./common');
const pairs = option('pairs', 200_000);
const rounds = option('rounds', 15);
const size = option('size', 64);

requireTracking();

const modes = [
  { name: 'off', start: null },
  { name: 'counting', start: { stackDepth: 0 } },
  // Same call path every time (a leak test's loop): the per-thread memo answers.
  { name: 'stacks 8, same path', start: { stackDepth: 8 } },
  // Every allocation unwound: what a call path seen for the first time costs.
  { name: 'stacks 4, cold', start: { stackDepth: 4, stackMemo: false } },
  { name: 'stacks 8, cold', start: { stackDepth: 8, stackMemo: false } },
];

function nsPerPair(mode) {
  if (mode.start) tracker.startNativeTracking(mode.start);
  try {
    const began = process.hrtime.bigint();
    corpus.churn(pairs, size);
    return Number(process.hrtime.bigint() - began) / pairs;
  } finally {
    if (mode.start) tracker.stopNativeTracking();
  }
}

const samples = new Map(modes.map((m) => [m.name, []]));
for (const mode of modes) nsPerPair(mode); // warm-up: page in the tables, intern the sites
for (let r = 0; r < rounds; r++) {
  for (const mode of modes) samples.get(mode.name).push(nsPerPair(mode));
}

const off = median(samples.get('off'));
const results = modes.map((m) => {
  const ns = median(samples.get(m.name));
  return { mode: m.name, nsPerPair: Math.round(ns * 10) / 10, addedNs: Math.round((ns - off) * 10) / 10 };
});

if (args.includes('--json')) {
  process.stdout.write(`${JSON.stringify({ pairs, rounds, size, results })}\n`);
} else {
  console.log(`malloc(${size})/free pairs from an addon, ${pairs} per sample, median of ${rounds} rounds (node ${process.version})`);
  console.log('mode                 ns/pair   added by tracking');
  for (const r of results)
    console.log(`${r.mode.padEnd(20)} ${String(r.nsPerPair).padStart(7)}   ${r.mode === 'off' ? '' : `+${r.addedNs} ns`}`);
}
