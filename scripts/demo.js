#!/usr/bin/env node
'use strict';
// The main job: a leak hunt. Runs Jest with the leakproof preset on the demo suite, prints the
// report, and checks the outcome: the fixed client passes, the buggy one is caught.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');

const root = path.resolve(__dirname, '..');
const output = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'leakproof-demo-')), 'result.json');
const config = {
  rootDir: path.join(root, 'fixtures/demo'),
  preset: '@leakproof/jest-preset',
  testMatch: ['**/demo.test.js'],
  transform: {},
};
console.log('leakproof demo: hunting the controls leak of the python-ldap story\n');
const run = spawnSync(process.execPath, [require.resolve('jest/bin/jest', { paths: [root] }), '--ci', '--json', `--outputFile=${output}`, '--config', JSON.stringify(config)], {
  cwd: root,
  stdio: 'inherit',
});
const result = JSON.parse(fs.readFileSync(output, 'utf8'));
const tests = new Map(result.testResults.flatMap((f) => f.assertionResults.map((a) => [a.title, a])));
const fixed = tests.get('fixed client: searches do not leak');
const buggy = tests.get('buggy client: one empty controls array survives every search');
const caught = buggy?.status === 'failed' && /Array: \+1(\.0\d)? per call/.test(buggy.failureMessages.join('\n'));
console.log('\n----------------------------------------------------------------');
console.log(`fixed client: ${fixed?.status === 'passed' ? 'passed (no leak)' : `UNEXPECTED: ${fixed?.status}`}`);
console.log(`buggy client: ${caught ? 'leak caught: Array +1 per call, retained by controlRefs' : `NOT CAUGHT (status ${buggy?.status})`}`);
console.log(`exit status of the Jest run: ${run.status} (1 is expected: the buggy client's test fails)`);
process.exit(fixed?.status === 'passed' && caught ? 0 : 1);
