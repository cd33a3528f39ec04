import { nativeTrackingNote } from '../native-tracking-note';
import type { ReportFile } from '../report-types';
import { runJest } from './run-jest';

const file = (testPath: string, nativeTracking: ReportFile['nativeTracking'], recorded = true): ReportFile => ({
  testPath,
  status: 'passed',
  recorded,
  nativeTracking,
});

test('one line for the run, with each reason once; nothing when tracking ran everywhere', () => {
  expect(nativeTrackingNote([file('a.test.js', { available: true }), file('b.test.js', null, false)])).toBeNull();
  const note = nativeTrackingNote([
    file('a.test.js', { available: false, reason: 'no addon' }),
    file('b.test.js', { available: false, reason: 'no addon' }),
    file('c.test.js', { available: true }),
  ]);
  expect(note).toMatch(/^leakproof: native allocation tracking was off in 2 of 3 test files: no addon\.\nNative memory/);
});

test('real Jest with the tracker unavailable: the run says it once (the environment leaves it to the reporter: native-unavailable.test.ts)', async () => {
  const run = await runJest({ outputFile: false, htmlFile: false }, ['-w', '2'], { LEAKPROOF_NATIVE_TRACKER: 'off' });
  expect(run.stderr.match(/native allocation tracking was off/g)).toHaveLength(1);
  expect(run.stderr).toMatch(/native allocation tracking was off in 3 of 3 test files: LEAKPROOF_NATIVE_TRACKER=off is set\./);
  expect(run.exitCode).toBe(0);
});
