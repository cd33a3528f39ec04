'use strict';
// Baseline: the algorithm of `leakage` 0.5, written here against @airbnb/node-memwatch's HeapDiff:
// 6 rounds; each round takes a heap snapshot (new HeapDiff), calls fn 30 times, runs a full GC
// and takes a second snapshot (HeapDiff#end). The function leaks when the heap grew in every round.
const memwatch = require('@airbnb/node-memwatch');

const ROUNDS = 6;
const CALLS_PER_ROUND = 30;

async function verdict(fn, { progress = () => {} } = {}) {
  const growth = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const diff = new memwatch.HeapDiff();
    for (let i = 0; i < CALLS_PER_ROUND; i++) fn();
    memwatch.gc();
    growth.push(diff.end().change.size_bytes);
    progress({ step: `round ${round}/${ROUNDS}`, done: round / ROUNDS });
  }
  return { leaked: growth.every((bytes) => bytes > 0), growthBytes: growth };
}

module.exports = { name: 'leakage (memwatch HeapDiff)', verdict };
