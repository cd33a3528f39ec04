#!/usr/bin/env node
'use strict';
// Builds the native addons of this repository with node-gyp, offline when it can:
//   node scripts/build-native.js [--optional] <dir> [<dir>...]    the development build (build/Release)
//   node scripts/build-native.js --prebuild <dir> [<dir>...]      the N-API prebuild a tarball ships
// A development tool of this repository, never run on a user's machine: there, the packages'
// install script is node-gyp-build (loads prebuilds/<platform>-<arch>/*.node, builds from source
// only when none loads).
//
// Development build: reconfigures only when binding.gyp changed, so a second build is just `make`
// (seconds). With --optional a failure is a warning (a machine without g++ still installs).
//
// --prebuild (each native package's `prepack`, so `npm pack` and `npm publish` ship one): runs
// prebuildify --napi --tag-libc for the running Node, which rebuilds the package and moves its
// first build/Release/*.node (the shipped addon: node-gyp-build takes the same one) to
// prebuilds/linux-x64/<name>.glibc.node; then checks that the prebuild loads and is the shipped
// addon, and remakes the development build (prebuildify moved its .node away). Not stripped: the
// tracker names native frames from the symbol tables, ours included.
//
// Node's headers come from the running node's own install prefix when they are there
// (<prefix>/include/node/node_api.h, as with Debian's packages and the official tarballs), so no
// header download is needed; an explicit npm_config_nodedir wins.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
const optional = args.includes('--optional');
const prebuild = args.includes('--prebuild');
const dirs = args.filter((a) => !a.startsWith('--'));
if (dirs.length === 0 || (optional && prebuild)) {
  console.error('usage: build-native.js [--optional | --prebuild] <package dir> [...]');
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

function resolveBin(pkg, bin) {
  try {
    const manifest = require.resolve(`${pkg}/package.json`);
    const bins = require(manifest).bin;
    return path.join(path.dirname(manifest), typeof bins === 'string' ? bins : bins[bin]);
  } catch {
    return undefined;
  }
}

// The repository's node-gyp (a devDependency), else the one npm bundles (npm names it to scripts).
const nodeGyp = resolveBin('node-gyp', 'node-gyp') || process.env.npm_config_node_gyp;
if (!nodeGyp) fail('node-gyp not found (npm install, or run this from an npm script)');
const prefix = path.resolve(path.dirname(process.execPath), '..');
const nodedir = process.env.npm_config_nodedir || (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);

function run(dir, command, commandArgs, env = process.env) {
  const result = spawnSync(process.execPath, [command, ...commandArgs], { cwd: dir, stdio: 'inherit', env });
  if (result.status !== 0) fail(`${path.basename(command)} ${commandArgs.join(' ')} failed in ${dir}`);
}

function develop(dir) {
  const gyp = path.join(dir, 'binding.gyp');
  const makefile = path.join(dir, 'build', 'Makefile');
  const configured = fs.existsSync(makefile) && fs.statSync(makefile).mtimeMs >= fs.statSync(gyp).mtimeMs;
  const flags = [...(nodedir ? [`--nodedir=${nodedir}`] : []), '--jobs=max', '--loglevel=warn'];
  if (!configured) run(dir, nodeGyp, ['configure', ...flags]);
  run(dir, nodeGyp, ['build', ...flags]);
}

function makePrebuild(dir) {
  const prebuildify = resolveBin('prebuildify', 'prebuildify');
  if (!prebuildify) fail('prebuildify not found: npm install (it is a devDependency of the repository)');
  fs.rmSync(path.join(dir, 'prebuilds'), { recursive: true, force: true });
  // prebuildify runs `node-gyp rebuild --target=<node>`; node-gyp reads npm_config_nodedir, so
  // the local headers serve and nothing is downloaded.
  const env = {
    ...process.env,
    ...(nodedir ? { npm_config_nodedir: nodedir } : {}),
    PREBUILD_NODE_GYP: nodeGyp,
    npm_config_jobs: 'max',
    npm_config_loglevel: 'warn',
  };
  run(dir, prebuildify, ['--napi', '--tag-libc', `--target=node@${process.versions.node}`], env);
  const platformDir = path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`);
  const built = fs.readdirSync(platformDir).filter((name) => name.endsWith('.node'));
  if (built.length !== 1) fail(`expected one prebuild in ${platformDir}, found ${built.join(', ') || 'none'}`);
  const file = path.join(platformDir, built[0]);
  // The check node-gyp-build's install script makes, and that it is the addon meant to ship.
  const binding = require(file);
  const name = require(path.join(dir, 'package.json')).name;
  if (name === '@leakproof/ldap' && binding.variant !== 'shipped') fail(`${file} is the ${binding.variant} build, not the shipped addon`);
  if (name === '@leakproof/native-tracker' && typeof binding.start !== 'function') fail(`${file} is not the tracker addon`);
  console.log(`build-native: ${path.relative(process.cwd(), file) || file} (${fs.statSync(file).size} bytes)`);
  develop(dir);
}

for (const arg of dirs) {
  const dir = path.resolve(arg);
  if (prebuild) makePrebuild(dir);
  else develop(dir);
}
