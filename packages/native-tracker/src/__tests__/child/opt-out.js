'use strict';
// Runs with LEAKPROOF_NATIVE_TRACKER=off (child.test.ts): the status says so, and the tracker's
// addon is never loaded, as on a machine where it could not be built.
const fs = require('node:fs');
const path = require('node:path');
const tracker = require(path.resolve(__dirname, '../../../dist/index.js'));

const status = tracker.nativeTrackingStatus();
const probe = tracker.nativeProbe();
const mapped = fs.readFileSync('/proc/self/maps', 'utf8').includes('leakproof_native_tracker.node');
process.stdout.write(JSON.stringify({ status, probe, mapped }));
