import type { ReportFile } from './report-types';

/**
 * One line for the run when native allocation tracking could not run in some test files. The
 * environment leaves it to the reporter when the reporter collects its records, so that it is
 * said once for the run rather than once per file or per worker.
 */
export function nativeTrackingNote(files: ReportFile[]): string | null {
  const off = files.filter((f) => f.nativeTracking?.available === false);
  if (off.length === 0) return null;
  const reasons = [...new Set(off.map((f) => f.nativeTracking?.reason ?? 'no reason given'))];
  const recorded = files.filter((f) => f.recorded).length;
  return (
    `leakproof: native allocation tracking was off in ${off.length} of ${recorded} test file${recorded === 1 ? '' : 's'}: ${reasons.join('; ')}.\n` +
    'Native memory (malloc in native addons) was not checked there; JS heap and handles were. A file that loads a native addon ' +
    "of its own fails instead (the test runner's, such as Jest's resolver, are not the project's). " +
    'To accept JS-only checks and silence this, set testEnvironmentOptions.leakproof.native.mode to "off".'
  );
}
