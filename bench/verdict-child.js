'use strict';
// One child process of the verdict benchmark: loads a tool, fills the heap, then times verdicts
// on freshly compiled functions. The first verdict is the process's first ("cold"); later ones
// run in the same process on new functions ("warm").
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { send } = require('./lib/child-protocol');
const { fillHeapTo } = require('./lib/heap-fill');
const { makeFn } = require('./verdict-fns');

const TOOLS = {
  leakproof: './verdict-tools/leakproof',
  leakage: './verdict-tools/leakage',
  memlab: './verdict-tools/memlab',
};

async function main() {
  const job = JSON.parse(process.argv[2]);
  // The tool is loaded before the fill: its own code and data are part of the measured heap.
  const tool = require(TOOLS[job.tool]);
  if (job.whatIf) require(`./what-if/${job.whatIf}`);
  const probe = job.probe ? require('./lib/phase-probe').install() : undefined;
  const fillStart = performance.now();
  const fill = fillHeapTo(job.heapMB);
  send({ type: 'ready', heapUsedMB: fill.heapUsedMB, fillMs: performance.now() - fillStart });
  // Tools' scratch files go to this child's own TMPDIR (lib/spawn.js removes it).
  const workDir = path.join(os.tmpdir(), 'work');
  for (let i = 0; i < (job.verdicts ?? 1); i++) {
    const fn = makeFn(job.fn);
    const heapUsedMB = process.memoryUsage().heapUsed / 2 ** 20;
    probe?.reset();
    const started = performance.now();
    const progress = (p) => send({ type: 'progress', index: i, elapsedMs: performance.now() - started, ...p });
    const result = await tool.verdict(fn, { options: job.options, progress, workDir });
    const ms = performance.now() - started;
    send({ type: 'verdict', index: i, ms, heapUsedMB, result, phases: probe?.read() });
  }
  fs.rmSync(workDir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (error) => {
    send({ type: 'error', message: String(error && error.stack ? error.stack : error) });
    process.exit(1);
  },
);
