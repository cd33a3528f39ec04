import { formatBytes, nativeStackText, siteText, type JsSite, type LeakFinding } from '@leakproof/core';
import { addonName } from '@leakproof/native-tracker';
import { totalBytes, totalCount, type CheckName, type Judgement } from './checks';

/**
 * Every text the environment prints or puts in a test error, made from findings with core's
 * format pieces. docs/troubleshooting.md lists these messages: keep them in step.
 */

/** The frames of a handle's creation stack a message shows (the innermost three). */
export function shownFrames(stack: JsSite[]): JsSite[] {
  return stack.slice(0, 3);
}

/** Who a file-level handles judgement is charged to. */
const OUTSIDE_TESTS = 'Code outside tests (beforeAll, describe bodies, concurrent tests)';

/** The message of one check's judgement, for a test error or a warning. */
export function judgementMessage(check: CheckName, judgement: Judgement): string {
  switch (check) {
    case 'handles':
      return openHandlesMessage(judgement.findings, judgement.owner === null ? OUTSIDE_TESTS : 'This test');
    case 'heap':
      return retainedHeapMessage(judgement);
    case 'native':
      return retainedNativeMessage(judgement);
  }
}

/** A warning names the test for the size checks (a handles message says `This test` itself, next to its stack). */
export function warningMessage(check: CheckName, message: string, testName: string | undefined): string {
  return check === 'handles' || testName === undefined ? message : `${testName}: ${message}`;
}

/** Handles created together (a child process and its stdio pipes) are listed as one entry. */
export function openHandlesMessage(findings: LeakFinding[], who: string): string {
  const byStack = new Map<string, { frames: string[]; types: Map<string, number> }>();
  for (const finding of findings) {
    const frames = shownFrames(finding.stack ?? []).map(siteText);
    const key = frames.join('\n');
    const entry = byStack.get(key) ?? { frames, types: new Map<string, number>() };
    byStack.set(key, entry);
    const type = finding.name ?? '(unknown handle)';
    entry.types.set(type, (entry.types.get(type) ?? 0) + finding.count);
  }
  const entries = [...byStack.values()].map(({ frames, types }) => {
    const counts = [...types].map(([type, n]) => (n > 1 ? `${type} x${n}` : type));
    const where = frames.length > 0 ? frames.map((frame) => `      ${frame}`).join('\n') : '      (no stack)';
    return `  ${counts.join(' + ')} created at\n${where}`;
  });
  const open = totalCount(findings);
  return (
    `leakproof: ${who} left ${open} open handle${open === 1 ? '' : 's'}:\n${entries.join('\n')}\n` +
    'Close them (clearInterval, server.close(), socket.destroy(), child.kill()) before the test ends, or unref() them.'
  );
}

function limitText(judgement: Judgement): string {
  return `${judgement.outcome === 'failed' ? 'fail' : 'warn'} above ${formatBytes(judgement.limitBytes ?? 0)}`;
}

export function retainedHeapMessage(judgement: Judgement): string {
  const { findings } = judgement;
  return [
    `leakproof: this test allocated ~${formatBytes(totalBytes(findings))} (~${Math.round(totalCount(findings))} objects) that were still alive at the end of the file (${limitText(judgement)}):`,
    ...findings
      .slice(0, 5)
      .map(
        (f) => `  ${formatBytes(f.bytes)} in ~${Math.round(f.count)} objects allocated at ${f.site ? siteText(f.site) : '(unknown site)'}`,
      ),
    'If a later test or an afterAll needs it, free it there; for a deliberate fixture, call leakproof.skipChecks("heap") in this test ' +
      'or raise testEnvironmentOptions.leakproof.heap.failAboveBytes.',
  ].join('\n');
}

export function retainedNativeMessage(judgement: Judgement): string {
  const { findings } = judgement;
  const allocations = findings.flatMap((f) => f.allocations ?? []).sort((a, b) => b.bytes - a.bytes);
  return [
    `leakproof: this test allocated ${formatBytes(totalBytes(findings))} of native memory (${totalCount(findings)} blocks) that was still allocated at the end of the file (${limitText(judgement)}):`,
    ...allocations
      .slice(0, 5)
      .map(
        (a) => `  ${formatBytes(a.bytes)} in ${a.count} block${a.count === 1 ? '' : 's'} at ${nativeStackText(a.allocator, a.stack, 6)}`,
      ),
    'Free it (a missing free, delete, or napi_delete_reference), release it in afterAll, or for a deliberate cache call ' +
      'leakproof.skipChecks("native") or add testEnvironmentOptions.leakproof.native.suppressions.',
  ].join('\n');
}

/** The native check is on, tracking cannot run here, and the file loaded native addons of the project (probe.ts projectAddons). */
export function nativeTrackingOffMessage(reason: string, addons: string[]): string {
  return (
    `leakproof: native allocation tracking is off: ${reason}.\n` +
    `This file loaded native addons (${addons.map(addonName).join(', ')}) whose leaks cannot be checked. ` +
    'Fix the cause above, or set testEnvironmentOptions.leakproof.native.mode to "off" to check JS heap and handles only.'
  );
}

/** Tracking cannot run here and the file loaded no addon of the project: what is not covered, said once per worker process. */
export function nativeNotCoveredMessage(reason: string): string {
  return (
    `leakproof: native allocation tracking is off: ${reason}.\n` +
    'Native memory (malloc in native addons) is not checked; JS heap and handles are. A test file that loads no native addon ' +
    "of its own (the test runner's, such as Jest's resolver, do not count) runs on those checks alone; one that loads an addon fails. " +
    'Said once per worker process; to accept JS-only checks and silence it, set testEnvironmentOptions.leakproof.native.mode to "off".'
  );
}

export const NOT_AWAITED_MESSAGE =
  'leakproof: a toNotLeak()/toLeak() call was not awaited. Write `await expect(fn).toNotLeak()`: an un-awaited matcher keeps calling fn after the test ends and its verdict is lost.';

export const SKIP_OUTSIDE_TEST_MESSAGE = 'leakproof.skipChecks() must be called inside a test';

export function recordNotWrittenMessage(error: unknown): string {
  return `leakproof: could not write the leak record for the reporter: ${(error as Error).message}`;
}

export function internalErrorMessage(event: string, error: unknown): string {
  return `leakproof: internal error while checking (${event}): ${(error as Error).stack ?? error}`;
}

/** An error that shows only its message: the stack would point into leakproof, not the test. */
export function checkError(message: string): Error {
  const error = new Error(message);
  error.stack = message;
  return error;
}
