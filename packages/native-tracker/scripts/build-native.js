#!/usr/bin/env node
'use strict';
// Builds the native addons in the given package directories with node-gyp, offline when it can:
//   node scripts/build-native.js [--optional] <dir> [<dir>...]
// It is the packages' `install` script, with --optional: a machine that cannot compile (no g++,
// no headers) still installs, and the tracker's status then says why native tracking is off.
// As `build:native` (run by the root `npm run build`) a failure fails the build.
// Node's headers come from the running node's own install prefix when they are there
// (<prefix>/include/node/node_api.h, as with Debian's packages and the official tarballs), so no
// header download is needed; an explicit npm_config_nodedir wins. Reconfigures only when
// binding.gyp changed, so a second build is just `make` (seconds).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
const optional = args.includes('--optional');
const dirs = args.filter((a) => a !== '--optional');
if (dirs.length === 0) {
  console.error('usage: build-native.js [--optional] <package dir> [...]');
  process.exit(2);
}

function fail(message) {
  if (optional) {
    console.warn(
      `build-native: ${message}\nbuild-native: continuing without the native addon; native allocation tracking will report itself unavailable`,
    );
    process.exit(0);
  }
  console.error(`build-native: ${message}`);
  process.exit(1);
}

// The project's node-gyp, else the one npm bundles (npm names it to lifecycle scripts): a
// consumer installing from the registry has no devDependencies.
function findNodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
    return fail('node-gyp not found (install it, or run this from an npm script)');
  }
}

const nodeGyp = findNodeGyp();
const prefix = path.resolve(path.dirname(process.execPath), '..');
const nodedir = process.env.npm_config_nodedir || (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);

function run(dir, gypArgs) {
  const full = [nodeGyp, ...gypArgs, ...(nodedir ? [`--nodedir=${nodedir}`] : []), '--jobs=max', '--loglevel=warn'];
  const result = spawnSync(process.execPath, full, { cwd: dir, stdio: 'inherit' });
  if (result.status !== 0) fail(`node-gyp ${gypArgs.join(' ')} failed in ${dir}`);
}

for (const arg of dirs) {
  const dir = path.resolve(arg);
  const gyp = path.join(dir, 'binding.gyp');
  const makefile = path.join(dir, 'build', 'Makefile');
  const configured = fs.existsSync(makefile) && fs.statSync(makefile).mtimeMs >= fs.statSync(gyp).mtimeMs;
  if (!configured) run(dir, ['configure']);
  run(dir, ['build']);
}
