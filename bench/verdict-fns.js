'use strict';
// The functions under test. Each verdict gets freshly compiled code with its own file name (a
// name under bench/ that is never written), as each test of a suite has its own function: no JIT
// feedback carries over from an earlier verdict, and leakproof sees the frames as user code.
const path = require('node:path');
const vm = require('node:vm');

let serial = 0;

function compile(kind, source) {
  const filename = path.join(__dirname, 'fn-under-test', `${kind}-${process.pid}-${serial++}.js`);
  return vm.runInThisContext(source, { filename });
}

const SOURCES = {
  // The brief's clean, cheap function.
  clean: '(() => () => JSON.parse(JSON.stringify({ a: [1, 2, 3] })))()',
  // Keeps one record (an object and a string) per call in a module-level array.
  leak: `(() => {
    const sessions = [];
    let n = 0;
    return () => { n++; sessions.push({ id: n, user: 'user-' + n }); };
  })()`,
};

function makeFn(kind) {
  if (!SOURCES[kind]) throw new Error(`unknown function kind ${kind}`);
  return compile(kind, SOURCES[kind]);
}

module.exports = { makeFn, SOURCES };
