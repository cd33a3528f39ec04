'use strict';
// Benchmark 1: time to a verdict on a 20 MB and a 90 MB used heap, leakproof and two baselines.
//
// Every repetition is a fresh child process: it loads the tool, fills its heap to the target
// (retained objects, measured after a full GC), then times verdicts on freshly compiled
// functions. leakproof's clean case times three verdicts per process: the first one ("cold",
// what the first toNotLeak of a Jest worker pays) and two more ("warm", later toNotLeak calls of
// the same worker). Repetitions are interleaved across cases so that machine noise spreads evenly.
//
// A verdict still running `capMs` after the heap was filled is stopped and counted as "> cap".
// Once more than half of a case's repetitions hit the cap its median is known to be "> cap",
// and its remaining repetitions are skipped to keep the whole run within minutes.
const path = require('node:path');
const { runChild } = require('./lib/spawn');
const { median, censoredMedian } = require('./lib/stats');

const CHILD = path.join(__dirname, 'verdict-child.js');

function cases() {
  const list = [];
  for (const heapMB of [20, 90]) {
    list.push(
      { id: `leakproof-clean-${heapMB}`, tool: 'leakproof', fn: 'clean', heapMB, verdicts: 3, options: {} },
      { id: `leakproof-leak-${heapMB}`, tool: 'leakproof', fn: 'leak', heapMB, verdicts: 1, options: {} },
      { id: `leakage-clean-${heapMB}`, tool: 'leakage', fn: 'clean', heapMB, verdicts: 1 },
      { id: `memlab-clean-${heapMB}`, tool: 'memlab', fn: 'clean', heapMB, verdicts: 1 },
    );
  }
  // With the default 4 s timeout leakproof skips the snapshot explanation on a 90 MB heap;
  // this case raises the timeout so that the explanation's cost is measured there too.
  list.push({ id: 'leakproof-leak-90-explained', tool: 'leakproof', fn: 'leak', heapMB: 90, verdicts: 1, options: { timeout: 120_000 } });
  return list;
}

async function runRep(c, capMs) {
  const child = await runChild(CHILD, c, { capMs: capMs * c.verdicts });
  const ready = child.messages.find((m) => m.type === 'ready');
  const verdicts = child.messages.filter((m) => m.type === 'verdict');
  const progress = child.messages.filter((m) => m.type === 'progress');
  const error = child.messages.find((m) => m.type === 'error');
  if (!ready || (!child.capped && (error || verdicts.length < c.verdicts))) {
    throw new Error(`${c.id}: child failed (code ${child.code}): ${error?.message ?? child.stderr.slice(-2000)}`);
  }
  return {
    heapUsedMB: ready.heapUsedMB,
    fillMs: ready.fillMs,
    capped: child.capped && verdicts.length === 0,
    ms: verdicts[0]?.ms,
    warmMs: verdicts.slice(1).map((v) => v.ms),
    result: verdicts[0]?.result,
    lastProgress: progress.filter((p) => p.index === 0).at(-1),
  };
}

function summarise(c, reps, capMs) {
  const cold = censoredMedian(reps, capMs);
  const warm = reps.flatMap((r) => r.warmMs);
  const capped = reps.filter((r) => r.capped);
  // Homogeneous rounds (leakage): a stopped run's share done gives an estimate of its full time.
  const estimates = capped.filter((r) => r.lastProgress?.done).map((r) => r.lastProgress.elapsedMs / r.lastProgress.done);
  const explainStarts = reps
    .map((r) => r.lastProgress)
    .filter((p) => p?.step?.startsWith('leak confirmed'))
    .map((p) => p.elapsedMs);
  return {
    ...c,
    reps: reps.length,
    cappedReps: capped.length,
    median: cold.value,
    censored: cold.censored,
    warmMedian: warm.length ? median(warm) : undefined,
    warmCount: warm.length,
    heapUsedMB: median(reps.map((r) => r.heapUsedMB)),
    estimatedFullMs: estimates.length ? median(estimates) : undefined,
    explainStartMedian: explainStarts.length ? median(explainStarts) : undefined,
    lastSteps: capped.map((r) => r.lastProgress && `${r.lastProgress.step} at ${Math.round(r.lastProgress.elapsedMs)} ms`).filter(Boolean),
    results: reps.filter((r) => r.result).map((r) => r.result),
    all: reps.map((r) => (r.capped ? null : r.ms)),
  };
}

async function measureVerdictTimes({ reps = 7, capMs = 12_000, log = console.log } = {}) {
  const list = cases();
  const done = new Map(list.map((c) => [c.id, []]));
  const majority = Math.floor(reps / 2) + 1;
  for (let rep = 1; rep <= reps; rep++) {
    for (const c of list) {
      const runs = done.get(c.id);
      if (runs.filter((r) => r.capped).length >= majority) continue;
      const run = await runRep(c, capMs);
      runs.push(run);
      const shown = run.capped
        ? `> ${capMs} ms (capped)`
        : `${Math.round(run.ms)} ms${run.warmMs.length ? ` (warm ${run.warmMs.map(Math.round).join(', ')} ms)` : ''}`;
      log(`  [${rep}/${reps}] ${c.id.padEnd(30)} heap ${run.heapUsedMB.toFixed(1)} MB: ${shown}`);
    }
  }
  return { reps, capMs, cases: list.map((c) => summarise(c, done.get(c.id), capMs)) };
}

module.exports = { measureVerdictTimes };
