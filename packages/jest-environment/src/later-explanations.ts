import type { Circus } from '@jest/types';
import type { DeferredExplanation } from '@leakproof/jest-matchers';
import { checkError } from './messages';

/**
 * A deferred explanation's budget. It runs in the environment's event handler, whose time Jest
 * never counts against the test's timeout: a heap snapshot of a 250 MB ts-jest worker takes
 * 18-30 s (measured-2026-12.md), and a verdict must not depend on the machine's speed.
 */
export const LATER_EXPLANATION_BUDGET_MS = 120_000;

/**
 * Completes the matchers' deferred explanations of one test, at the end of its function (its
 * `afterEach` hooks have not run, so the code under test still works): a failure's message gets
 * the constructor and retainer path; a provisional `toLeak` pass is decided, and fails the test
 * when the explained leak is not the expected one.
 */
export async function completeLaterExplanations(test: Circus.TestEntry, pending: DeferredExplanation[]): Promise<void> {
  for (const deferred of pending) {
    const error = deferred.failedWith === null ? undefined : errorWithMessage(test, deferred.failedWith);
    // The matcher's rejection was caught, and the test passed or failed otherwise: nothing to complete.
    if (deferred.failedWith !== null && !error) continue;
    let outcome: { message: string; failed: boolean };
    try {
      outcome = await deferred.explain(LATER_EXPLANATION_BUDGET_MS);
    } catch (cause) {
      // Never a silent pass: a provisional toLeak that cannot be decided fails, saying why.
      const why = laterFailureText(cause);
      if (error) replaceMessage(error, `${deferred.failedWith}\n\n${why}`);
      else test.errors.push(checkError(`${why}; toLeak's expectation could not be checked.`));
      continue;
    }
    if (error) replaceMessage(error, outcome.message);
    else if (outcome.failed) test.errors.push(checkError(outcome.message));
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

/** The matcher's error among the test's: expect sets its message to the matcher's, exactly. */
function errorWithMessage(test: Circus.TestEntry, message: string): Error | undefined {
  for (const entry of test.errors) {
    const error = Array.isArray(entry) ? entry[0] : entry;
    // Errors of the test's realm are not instances of this realm's Error.
    if (typeof error === 'object' && error !== null && (error as Error).message === message) return error as Error;
  }
  return undefined;
}

/** Jest prints the stack, which starts with the message: both change, and the matcher result's. */
function replaceMessage(error: Error, message: string): void {
  const old = error.message;
  const stack = typeof error.stack === 'string' ? error.stack : undefined;
  error.message = message;
  if (stack !== undefined && stack.includes(old)) error.stack = stack.replace(old, () => message);
  const result = (error as { matcherResult?: { message?: string } }).matcherResult;
  if (result && typeof result.message === 'string') result.message = message;
}
