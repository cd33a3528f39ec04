'use strict';
// Children report to the driver with marked JSON lines on stdout (tools may print their own).
const fs = require('node:fs');

const MARK = '@@bench ';

function send(message) {
  // Synchronous: the line must be out before a cap kills the child.
  fs.writeSync(1, `${MARK}${JSON.stringify(message)}\n`);
}

function parseLines(text) {
  return text
    .split('\n')
    .filter((line) => line.startsWith(MARK))
    .map((line) => JSON.parse(line.slice(MARK.length)));
}

module.exports = { send, parseLines, MARK };
