'use strict';
// A full GC without --expose-gc on the command line, so that children run like a plain `node`.
const v8 = require('node:v8');
const vm = require('node:vm');

let gc;
function getGc() {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc');
  }
  return gc;
}

function fullGc() {
  getGc()();
}

module.exports = { fullGc, getGc };
