'use strict';
// What the numbers were measured on: written at the top of docs/benchmarks.md.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function cpuModel() {
  try {
    const line = fs
      .readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':').slice(1).join(':').trim();
  } catch {
    // Not Linux: fall back to what Node knows.
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

/** The commit measured, and the files of packages/ that differed from it (a work tree in progress). */
function sourceState() {
  const root = path.resolve(__dirname, '../..');
  const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    // Porcelain lines are "XY path": the status takes the first three characters.
    const changed = git('status', '--porcelain', '--', 'packages')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3));
    return { commit: git('rev-parse', '--short', 'HEAD').trim(), changedPackageFiles: changed };
  } catch {
    return { commit: 'unknown', changedPackageFiles: [] };
  }
}

function machine() {
  return {
    cpu: cpuModel(),
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    loadBefore: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    ...sourceState(),
  };
}

module.exports = { machine };
