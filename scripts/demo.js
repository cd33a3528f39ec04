#!/usr/bin/env node
'use strict';
// The main job: a leak hunt on the reference LDAP binding against the embedded LDAP server.
// Runs Jest with the leakproof preset on fixtures/demo/ldap-hunt.test.js: the shipped binding
// must pass on the found, not-found and noSuchObject paths, and each regression build (the two
// bugs of the python-ldap story, compiled in) must be caught with its attribution. Prints the
// reporter's summary and where the HTML and JSON reports are; exits 0 when all of that holds.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'leakproof-demo');
fs.mkdirSync(outDir, { recursive: true });
const jestJson = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'leakproof-demo-')), 'jest.json');
const config = {
  rootDir: path.join(root, 'fixtures/demo'),
  preset: '@leakproof/jest-preset',
  // The preset's reporters, with the reports written where this script says.
  reporters: [
    'default',
    [
      require.resolve('@leakproof/jest-reporter', { paths: [root] }),
      {
        outputFile: path.join(outDir, 'leakproof-report.json'),
        htmlFile: path.join(outDir, 'leakproof-report.html'),
        baseline: false,
      },
    ],
  ],
  testMatch: ['**/ldap-hunt.test.js'],
  transform: {},
  testTimeout: 60_000,
};

console.log('leakproof demo: hunting the two leaks of the python-ldap story in @leakproof/ldap\n');
const run = spawnSync(
  process.execPath,
  [require.resolve('jest/bin/jest', { paths: [root] }), '--ci', '--json', `--outputFile=${jestJson}`, '--config', JSON.stringify(config)],
  { cwd: root, stdio: 'inherit' },
);

let result;
try {
  result = JSON.parse(fs.readFileSync(jestJson, 'utf8'));
} catch {
  console.error(`\nleakproof demo: Jest produced no result (exit status ${run.status}); see its output above.`);
  process.exit(1);
}
const tests = new Map(result.testResults.flatMap((f) => f.assertionResults.map((a) => [a.fullName, a])));
const text = (name) => (tests.get(name)?.failureMessages ?? []).join('\n');
const status = (name) => tests.get(name)?.status ?? 'missing';

const expectations = [
  ['shipped binding found: searches do not leak', () => status('shipped binding found: searches do not leak') === 'passed', 'passes'],
  [
    'shipped binding not found: searches do not leak',
    () => status('shipped binding not found: searches do not leak') === 'passed',
    'passes',
  ],
  [
    'shipped binding noSuchObject: searches do not leak',
    () => status('shipped binding noSuchObject: searches do not leak') === 'passed',
    'passes',
  ],
  [
    'regression build controls-ref-leak (bug a) found: one empty controls array survives every search',
    () =>
      /Array: \+1 per call[\s\S]*retained by a global handle/.test(
        text('regression build controls-ref-leak (bug a) found: one empty controls array survives every search'),
      ),
    'caught: Array +1 per call, retained by a global handle (a napi_ref never deleted)',
  ],
  [
    'regression build not-found-leak (bug b) found: passes (the trap of testing only the found case)',
    () => status('regression build not-found-leak (bug b) found: passes (the trap of testing only the found case)') === 'passed',
    'passes: the found path does not leak',
  ],
  [
    'regression build not-found-leak (bug b) not found: native bytes survive every search',
    () =>
      /native memory allocated in \S+ \(leakproof_ldap_not_found_leak\.node\): \+\d+ B per call/.test(
        text('regression build not-found-leak (bug b) not found: native bytes survive every search'),
      ),
    "caught: native bytes per call, allocated by libldap under the binding's result handling",
  ],
];

console.log('\n----------------------------------------------------------------');
let ok = true;
for (const [name, holds, expected] of expectations) {
  const good = holds();
  ok &&= good;
  console.log(`${good ? 'ok  ' : 'FAIL'} ${name}\n     expected: ${expected}${good ? '' : ` (status ${status(name)})`}`);
}
console.log(`\nHTML report: ${path.join(outDir, 'leakproof-report.html')}`);
console.log(`JSON report: ${path.join(outDir, 'leakproof-report.json')}`);
console.log(`exit status of the Jest run: ${run.status} (1 is expected: the regression builds' tests fail)`);
process.exit(ok ? 0 : 1);
