'use strict';
// Brings the used heap of this process to a target size with retained, object-dense data
// (records of a few small objects each, ~45 bytes per heap object on average: like a real
// program's heap, not a few big arrays), measured after a full GC.
const { fullGc } = require('./gc');

const retained = [];
/** Kept on the global so that nothing can free it. */
globalThis.__leakproofBenchRetained = retained;

function makeChunk(start, size) {
  const chunk = new Array(size);
  for (let j = 0; j < size; j++) {
    const i = start + j;
    chunk[j] = { id: i, name: `item-${i}`, tags: [i % 7, i % 11], meta: { even: (i & 1) === 0 } };
  }
  return chunk;
}

/** Fills until heapUsed after a full GC is at least `targetMB`; returns what it reached. */
function fillHeapTo(targetMB) {
  const target = targetMB * 2 ** 20;
  let next = 0;
  fullGc();
  while (process.memoryUsage().heapUsed < target) {
    // Smaller steps near the target, so that we stop within about a megabyte of it.
    const missing = target - process.memoryUsage().heapUsed;
    const size = Math.max(500, Math.min(20_000, Math.floor(missing / 250)));
    retained.push(makeChunk(next, size));
    next += size;
    if (process.memoryUsage().heapUsed >= target) fullGc();
  }
  fullGc();
  return { heapUsedMB: process.memoryUsage().heapUsed / 2 ** 20, records: next };
}

module.exports = { fillHeapTo };
