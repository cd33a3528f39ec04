'use strict';
// Baseline: memlab's Node heap API. Three heap snapshots written by memlab (baseline, target
// after the calls, final), then memlab's leak finder on the three files. Its built-in leak
// filter looks for detached DOM and React fibers, so a Node user gives it a filter
// (ILeakFilter): here every JS object allocated during the calls that is still alive.
const fs = require('node:fs');
const path = require('node:path');
const memlabCore = require('@memlab/core');
const { findLeaksBySnapshotFilePaths } = require('@memlab/api');

const CALLS = 30;

memlabCore.config.muteConsole = true;
memlabCore.config.externalLeakFilter = { leakFilter: (node) => node.type === 'object' };

async function verdict(fn, { progress = () => {}, workDir } = {}) {
  const files = [];
  try {
    files.push(memlabCore.dumpNodeHeapSnapshot());
    progress({ step: 'baseline snapshot written' });
    for (let i = 0; i < CALLS; i++) fn();
    files.push(memlabCore.dumpNodeHeapSnapshot());
    progress({ step: 'target snapshot written' });
    files.push(memlabCore.dumpNodeHeapSnapshot());
    progress({ step: 'final snapshot written, analysing' });
    const leaks = await findLeaksBySnapshotFilePaths(files[0], files[1], files[2], { consoleMode: 'SILENT', workDir });
    return { leaked: leaks.length > 0, leakTraces: leaks.length };
  } finally {
    for (const file of files) fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

module.exports = { name: 'memlab (3 snapshots + findLeaks)', verdict };
