'use strict';
// What-if for the Jest environment's per-file heap check (preloaded with NODE_OPTIONS=--require,
// so that Jest's workers load it too):
// 1. classification memoised: a sample's stack is classified once per profile node (samples of
//    one node share their stack array), and isUserFrame once per script URL;
// 2. the end-of-file settle forces no full GC of its own, only an event-loop turn: reading the
//    profile (HeapProfiler.stopSampling) makes V8 run a full GC anyway ("sampling profiler; GC in
//    old space requested" in --trace-gc), which is what the survivors need. Today the file pays
//    two to six forced GCs, then that one.
const path = require('node:path');

const dist = path.resolve(__dirname, '../../packages/core/dist');
const gc = require(path.join(dist, 'gc'));
const stack = require(path.join(dist, 'stack'));
const sampler = require(path.join(dist, 'allocation-sampler'));

const stop = sampler.AllocationSampler.prototype.stop;
sampler.AllocationSampler.prototype.stop = function stopWithMemo(classify) {
  const byStack = new WeakMap();
  return stop.call(this, (frames) => {
    if (!byStack.has(frames)) byStack.set(frames, classify(frames));
    return byStack.get(frames);
  });
};

const isUserFrame = stack.isUserFrame;
const byUrl = new Map();
stack.isUserFrame = (frame) => {
  if (!byUrl.has(frame.url)) byUrl.set(frame.url, isUserFrame(frame));
  return byUrl.get(frame.url);
};

gc.settle = () => gc.eventLoopTurn();
