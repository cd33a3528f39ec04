/**
 * @jest-environment-options {"leakproof": {"handles": {"mode": "warn"}}}
 */
'use strict';
// A warn-mode finding: reported, the test passes; the baseline governs it.
let timer;
afterAll(() => clearInterval(timer));
test('leaves an interval open', () => {
  timer = setInterval(() => {}, 60_000);
});
