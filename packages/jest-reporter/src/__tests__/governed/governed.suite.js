/**
 * @jest-environment-options {"leakproof": {"handles": {"mode": "warn"}, "heap": {"warnAboveBytes": 131072, "failAboveBytes": 4194304, "samplingInterval": 512}}}
 */
'use strict';
// One finding of each family the baseline governs, none of which fails its test: the per-test
// heap check between its warn and fail thresholds, a leak pinned by toLeak, and an interval left
// open with the handles check in warn mode. (samplingInterval 512: sizes estimated from many
// samples, so that they stay well within the baseline's tolerance from one run to the next.)

// Allocated while the file loads (no test is charged for it); the test fills it without growing it.
const cache = new Array(1500).fill(null);
const store = [];
let timer;
afterAll(() => clearInterval(timer));

// ~450 KB still alive at the end of the file: above warnAboveBytes, below failAboveBytes.
test('retains a cache', function fillCache() {
  for (let i = 0; i < cache.length; i++) cache[i] = { i, rows: new Array(32).fill(i) };
});

test('pins a known leak', async () => {
  await expect(() => store.push({ leaked: true })).toLeak();
});

test('leaves an interval open', () => {
  timer = setInterval(() => {}, 60_000);
});
