'use strict';
// Times the phases of leakproof's measureLeaks from the outside, for the "where the time goes"
// table: the engine's modules call each other through their exports, so wrapping an export
// times every call of it. Only loaded for the phase benchmark, never for the timed verdicts.
const path = require('node:path');
const workerThreads = require('node:worker_threads');

const dist = path.resolve(__dirname, '../../packages/core/dist');

function install() {
  const gc = require(path.join(dist, 'gc'));
  const sampler = require(path.join(dist, 'allocation-sampler'));
  const explain = require(path.join(dist, 'explain'));
  const inspector = require(path.join(dist, 'inspector-client'));
  let t = {};
  const add = (key, ms, count = 1) => {
    t[key] ??= { ms: 0, count: 0 };
    t[key].ms += ms;
    t[key].count += count;
  };
  const timeAsync = (object, name, key) => {
    const original = object[name];
    object[name] = async function (...args) {
      const started = performance.now();
      try {
        return await original.apply(this, args);
      } finally {
        add(key, performance.now() - started);
      }
    };
  };
  const timeSync = (object, name, key) => {
    const original = object[name];
    object[name] = function (...args) {
      const started = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        add(typeof key === 'function' ? key(...args) : key, performance.now() - started);
      }
    };
  };
  timeAsync(gc, 'settle', 'settle (full GCs + event-loop turns)');
  timeSync(sampler.AllocationSampler.prototype, 'stop', 'sampler.stop (profile + windowing)');
  timeAsync(explain, 'explainSurvivors', 'explanation (total)');
  timeSync(inspector.InspectorClient.prototype, 'post', (method) => `inspector ${method}`);
  const OriginalWorker = workerThreads.Worker;
  workerThreads.Worker = class TimedWorker extends OriginalWorker {
    constructor(...args) {
      const started = performance.now();
      super(...args);
      this.once('message', () => add('explanation: snapshot analysis worker', performance.now() - started));
    }
  };
  // leakproof's forceGc uses globalThis.gc when there is one: a counting wrapper times every
  // forced full GC without allocating anything (a PerformanceObserver would, and keep settle busy).
  const realGc = require('./gc').getGc();
  globalThis.gc = function gc() {
    const started = performance.now();
    realGc();
    add('forced full GCs (inside settle)', performance.now() - started);
  };
  return {
    reset() {
      t = {};
    },
    read() {
      return t;
    },
  };
}

module.exports = { install };
