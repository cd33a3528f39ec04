'use strict';
// Runs a benchmark child (a node script) with an optional cap on the measured part.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { MARK } = require('./child-protocol');

/**
 * Starts `node script payload`. Messages are the child's marked JSON lines. When a message of
 * type `ready` arrives, the cap clock starts: the child is killed `capMs` later if still running.
 * The child gets its own TMPDIR, removed when it ends: tools that write heap snapshots to the
 * temporary directory leave nothing behind, even when the cap kills them.
 */
async function runChild(script, payload, { capMs = Infinity, nodeArgs = [], env = process.env, cwd } = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakproof-bench-child-'));
  try {
    return await spawnChild(script, payload, { capMs, nodeArgs, env: { ...env, TMPDIR: tmp }, cwd });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function spawnChild(script, payload, { capMs, nodeArgs, env, cwd }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script, JSON.stringify(payload)], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const messages = [];
    let buffer = '';
    let stderr = '';
    let capTimer;
    let capped = false;
    child.stdout.on('data', (data) => {
      buffer += data;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!line.startsWith(MARK)) continue;
        const message = JSON.parse(line.slice(MARK.length));
        messages.push(message);
        if (message.type === 'ready' && Number.isFinite(capMs)) {
          capTimer = setTimeout(() => {
            capped = true;
            child.kill('SIGKILL');
          }, capMs);
        }
      }
    });
    child.stderr.on('data', (data) => {
      stderr = (stderr + data).slice(-20_000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(capTimer);
      resolve({ messages, capped, code, signal, stderr });
    });
  });
}

module.exports = { runChild };
