'use strict';
// Runs in a fresh node process (late-require.test.ts): allocations and frees on the libuv pool
// and on std::threads while the main thread starts and stops tracking over and over, reads
// survivors and counters. Passes if the process neither crashes nor hangs.
const path = require('node:path');
const tracker = require('node-gyp-build')(path.resolve(__dirname, '../../..'));
const corpus = require('@leakproof/native-corpus');

const rounds = Number(process.argv[2] || 200);

async function main() {
  let pending = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0)
      tracker.start({ stackDepth: i % 4 === 0 ? 8 : 0, skip: ['/libc.so', '/ld-linux', '/libstdc++.so'], skipExecutableDeps: true });
    // Pool work keeps running across the next start/stop.
    pending.push(corpus.poolAlloc(50, i % 3 === 0), corpus.poolAlloc(50, false));
    corpus.freeOnOtherThread(20);
    corpus.leakOnOtherThread(2);
    corpus.cleanRealloc();
    corpus.freeNull();
    tracker.survivorsSince(0);
    tracker.counters();
    if (i % 2 === 1) {
      tracker.stop();
      tracker.stop();
    }
    if (pending.length > 8) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  tracker.stop();
  process.stdout.write('ok');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
