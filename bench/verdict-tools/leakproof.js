'use strict';
// leakproof's engine, as `toNotLeak` uses it: measureLeaks on one InspectorClient per process.
const path = require('node:path');

const dist = path.resolve(__dirname, '../../packages/core/dist');
const core = require(dist);
const explain = require(path.join(dist, 'explain'));

let client;
let onExplain = () => {};

// Reports when the heap-snapshot explanation starts: the verdict itself is decided by then.
// measure.js calls it through the module's exports, so wrapping the export is enough.
const explainSurvivors = explain.explainSurvivors;
explain.explainSurvivors = (...args) => {
  onExplain();
  return explainSurvivors(...args);
};

/** `options`: LeakOptions given to resolveLeakOptions ({} = the defaults). */
async function verdict(fn, { options = {}, progress = () => {} } = {}) {
  client ??= new core.InspectorClient();
  onExplain = () => progress({ step: 'leak confirmed, explaining with a heap snapshot' });
  const v = await core.measureLeaks(fn, core.resolveLeakOptions(options), { client });
  return {
    leaked: v.leaked,
    runs: v.runs.length,
    calls: v.totalCalls,
    explained: v.findings.some((f) => Array.isArray(f.retainers)),
    what: v.findings.map(core.whatText),
    // Why a first run was suspicious (and re-measured): its growing and sporadic sites.
    suspicious:
      v.runs.length > 1
        ? [...v.runs[0].growing, ...v.runs[0].sporadic].map((g) => (g.site ? core.siteText(g.site) : core.NO_JS_FRAME_TEXT))
        : [],
    notes: v.notes,
  };
}

module.exports = { name: 'leakproof', verdict, core };
