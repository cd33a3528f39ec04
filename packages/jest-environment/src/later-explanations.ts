import type { Circus } from '@jest/types';
import type { DeferredExplanation } from '@leakproof/jest-matchers';

/**
 * A deferred explanation's budget. It runs in the environment's event handler, whose time Jest
 * never counts against the test's timeout: a heap snapshot of a 250 MB ts-jest worker takes
 * 18-30 s (measured-2026-12.md), and a verdict must not depend on the machine's speed.
 */
export const LATER_EXPLANATION_BUDGET_MS = 120_000;

/**
 * Decides the matchers' provisional verdicts of one test at the end of its function (its
 * `afterEach` hooks have not run, so the code under test still works): each is explained, and the
 * test fails with the explained message when the leak (or, for `toLeak`, a mismatch) stands. A
 * snapshot that refutes the suspicion leaves the test passing. Never a silent pass: a verdict
 * whose explanation cannot run fails with the unexplained message and the reason.
 */
export async function completeLaterExplanations(test: Circus.TestEntry, pending: DeferredExplanation[]): Promise<void> {
  for (const deferred of pending) {
    let outcome: { message: string; failed: boolean };
    try {
      outcome = await deferred.explain(LATER_EXPLANATION_BUDGET_MS);
    } catch (cause) {
      test.errors.push(lateError(`${deferred.message}\n\n${laterFailureText(cause)}`, deferred.callStack));
      continue;
    }
    if (outcome.failed) test.errors.push(lateError(outcome.message, deferred.callStack));
  }
}

function laterFailureText(cause: unknown): string {
  const error = cause as { name?: string; message?: string; cause?: { message?: string } };
  if (error?.name === 'CallFailedError') {
    // Typically a try/finally in the test closed what fn uses before the function ended.
    return (
      `leakproof: no constructor or retainer path: fn threw when called again after the test function (${error.cause?.message ?? error.message}). ` +
      "Close what fn uses in afterEach (it runs after the explanation) rather than in a finally block, or raise the test's timeout so that the explanation fits in it."
    );
  }
  return `leakproof: the heap-snapshot explanation after the test function failed: ${error?.message ?? String(cause)}`;
}

/** The failure, with the matcher's call site as its stack (Jest shows the test's line from it), leakproof's and expect's frames cut. */
function lateError(message: string, callStack: string | undefined): Error {
  const error = new Error(message);
  const frames = (callStack ?? '')
    .split('\n')
    .slice(1)
    .filter((line) => !/[\\/](jest-matchers|expect)[\\/]/.test(line));
  error.stack = [message, ...frames].join('\n');
  return error;
}
