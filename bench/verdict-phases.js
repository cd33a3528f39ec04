'use strict';
// Where leakproof's verdict time goes, and what two proposed changes would save.
//
// Phases: the same children as the verdict benchmark, with lib/phase-probe.js timing settle
// (and the forced GCs inside it), the sampler's profile read-out, the inspector calls and the
// explanation. Probed runs are not used for the headline figures.
//
// What-if: clean verdicts (cold and warm) as they are, with allocations made only by Node's
// internals left out (the public `ignore` option: ignore: ['(node:']), and with that plus
// what-if/verdict.js (at most two full GCs per run). Interleaved, fresh child per repetition.
const path = require('node:path');
const { runChild } = require('./lib/spawn');
const { median } = require('./lib/stats');

const CHILD = path.join(__dirname, 'verdict-child.js');

const WHAT_IF = [
  { id: 'as-is', label: 'as is', options: {} },
  { id: 'no-internal', label: "Node-internal-only allocations left out (ignore: ['(node:'])", options: { ignore: ['(node:'] } },
  {
    id: 'no-internal-two-gcs',
    label: '... and at most two full GCs per run (what-if/verdict.js)',
    options: { ignore: ['(node:'] },
    whatIf: 'verdict',
  },
];

function mergePhases(list) {
  const merged = {};
  for (const phases of list) {
    for (const [key, { ms, count }] of Object.entries(phases)) {
      merged[key] ??= { ms: [], count: [] };
      merged[key].ms.push(ms);
      merged[key].count.push(count);
    }
  }
  return Object.fromEntries(
    Object.entries(merged).map(([key, v]) => [key, { ms: median(v.ms), count: median(v.count), seenIn: v.ms.length }]),
  );
}

async function phaseBreakdown({ probeReps, log }) {
  const jobs = [
    { id: 'clean-20', tool: 'leakproof', fn: 'clean', heapMB: 20, verdicts: 3, probe: true },
    { id: 'clean-90', tool: 'leakproof', fn: 'clean', heapMB: 90, verdicts: 3, probe: true },
    { id: 'leak-20', tool: 'leakproof', fn: 'leak', heapMB: 20, verdicts: 1, probe: true },
  ];
  const out = [];
  for (const job of jobs) {
    const cold = [];
    const warm = [];
    for (let rep = 0; rep < probeReps; rep++) {
      const child = await runChild(CHILD, job);
      const verdicts = child.messages.filter((m) => m.type === 'verdict');
      if (verdicts.length < job.verdicts) throw new Error(`phase probe ${job.id} failed: ${child.stderr.slice(-2000)}`);
      cold.push(verdicts[0]);
      warm.push(...verdicts.slice(1));
    }
    const entry = {
      id: job.id,
      heapMB: job.heapMB,
      fn: job.fn,
      cold: { ms: median(cold.map((v) => v.ms)), runs: cold.map((v) => v.result.runs), phases: mergePhases(cold.map((v) => v.phases)) },
      warm: warm.length ? { ms: median(warm.map((v) => v.ms)), phases: mergePhases(warm.map((v) => v.phases)) } : undefined,
    };
    log(`  phases ${job.id}: first verdict ${Math.round(entry.cold.ms)} ms${entry.warm ? `, later ${Math.round(entry.warm.ms)} ms` : ''}`);
    out.push(entry);
  }
  return out;
}

async function whatIf({ reps, log }) {
  const results = new Map();
  for (let rep = 1; rep <= reps; rep++) {
    for (const heapMB of [20, 90]) {
      for (const variant of WHAT_IF) {
        const key = `${variant.id}-${heapMB}`;
        const child = await runChild(CHILD, {
          tool: 'leakproof',
          fn: 'clean',
          heapMB,
          verdicts: 3,
          options: variant.options,
          whatIf: variant.whatIf,
        });
        const verdicts = child.messages.filter((m) => m.type === 'verdict');
        if (verdicts.length < 3) throw new Error(`what-if ${key} failed: ${child.stderr.slice(-2000)}`);
        const entry = results.get(key) ?? {
          variant: variant.id,
          label: variant.label,
          heapMB,
          cold: [],
          warm: [],
          escalated: 0,
          leaked: 0,
        };
        entry.cold.push(verdicts[0].ms);
        entry.warm.push(...verdicts.slice(1).map((v) => v.ms));
        entry.escalated += verdicts[0].result.runs > 1 ? 1 : 0;
        entry.leaked += verdicts.filter((v) => v.result.leaked).length;
        results.set(key, entry);
        log(
          `  [${rep}/${reps}] what-if ${key.padEnd(32)} first ${Math.round(verdicts[0].ms)} ms, later ${verdicts
            .slice(1)
            .map((v) => Math.round(v.ms))
            .join(', ')} ms`,
        );
      }
    }
  }
  return [...results.values()].map((e) => ({ ...e, reps: e.cold.length, coldMedian: median(e.cold), warmMedian: median(e.warm) }));
}

async function measureVerdictPhases({ probeReps = 2, whatIfReps = 5, log = console.log } = {}) {
  return { breakdown: await phaseBreakdown({ probeReps, log }), whatIf: await whatIf({ reps: whatIfReps, log }), whatIfReps };
}

module.exports = { measureVerdictPhases, WHAT_IF };
