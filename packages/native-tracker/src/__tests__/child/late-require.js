'use strict';
// Runs in a fresh node process (late-require.test.ts): the corpus addon is not loaded yet when
// tracking starts, so only the dlopen hook in node itself can get it patched.
const path = require('node:path');
const tracker = require('node-gyp-build')(path.resolve(__dirname, '../../..'));

const loadedBefore = tracker.slotsOf('corpus.node').length > 0;
tracker.start({
  stackDepth: 8,
  skip: ['/libc.so', '/ld-linux', '/libm.so', '/libgcc_s.so', '/libstdc++.so', '/libpthread.so', '/libdl.so'],
  skipExecutableDeps: true,
});
const epoch = tracker.mark();
const corpus = require('@leakproof/native-corpus');
for (let i = 0; i < 10; i++) corpus.leakMalloc();
for (let i = 0; i < 4; i++) corpus.helperLeak();
const result = {
  loadedBefore,
  tracked: tracker
    .objects()
    .filter((o) => o.tracked)
    .map((o) => path.basename(o.path)),
  survivors: tracker
    .survivorsSince(epoch)
    .map((s) => ({ allocator: s.allocator, count: s.count, bytes: s.bytes, at: s.frames[0] && s.frames[0].function })),
};
tracker.stop();
result.hookedAfterStop = tracker.slotsOf('corpus.node').filter((s) => s.hooked).length;
process.stdout.write(JSON.stringify(result));
