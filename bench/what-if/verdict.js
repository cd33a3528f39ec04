'use strict';
// What-if for measureLeaks (loaded by the verdict child before the tool): at most two full GCs
// per run of rounds, instead of five to seven.
// - A settle before a run's rounds (if the engine still does one) becomes one event-loop turn:
//   the sampler only records allocations made after it starts and survivors are read after the
//   settle that follows the rounds, so garbage left before the rounds cannot count.
// - The settle after the rounds does one full GC (with its event-loop turns) instead of two to
//   six: reading the profile (HeapProfiler.stopSampling) makes V8 run another full GC anyway
//   ("sampling profiler; GC in old space requested" in --trace-gc), so survivors are still
//   counted after two full GCs with a turn between them.
// (The other proposal, leaving out allocations made only by Node's internals, is measured with
// the public `ignore` option instead: ignore: ['(node:'].)
const path = require('node:path');

const dist = path.resolve(__dirname, '../../packages/core/dist');
const gc = require(path.join(dist, 'gc'));
const sampler = require(path.join(dist, 'allocation-sampler'));

let sampling = 0;
const start = sampler.AllocationSampler.prototype.start;
const stop = sampler.AllocationSampler.prototype.stop;
sampler.AllocationSampler.prototype.start = function (...args) {
  sampling++;
  return start.apply(this, args);
};
sampler.AllocationSampler.prototype.stop = function (...args) {
  sampling--;
  return stop.apply(this, args);
};

const settle = gc.settle;
// Before the rounds no sampler is running; after them it is (clean verdicts never reach the
// explanation's settle).
gc.settle = (options = {}) => (sampling > 0 ? settle({ ...options, maxIterations: 1 }) : gc.eventLoopTurn());
