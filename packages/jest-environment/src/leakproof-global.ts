import { checkpoint, type LeakproofGlobal } from '@leakproof/jest-matchers';
import { CHECK_NAMES, type CheckName } from './checks';
import { SKIP_OUTSIDE_TEST_MESSAGE } from './messages';

/** The tests that turned checks off with `leakproof.skipChecks()`. */
export class SkippedChecks {
  private readonly skipped = new Map<string, Set<CheckName>>();

  skip(test: string, which: CheckName | undefined): void {
    const set = this.skipped.get(test) ?? new Set<CheckName>();
    for (const check of which ? [which] : CHECK_NAMES) set.add(check);
    this.skipped.set(test, set);
  }

  has(test: string, check: CheckName): boolean {
    return this.skipped.get(test)?.has(check) ?? false;
  }
}

/**
 * The `leakproof` global of a test file: `checkpoint()`, and `skipChecks()` to turn this test's
 * automatic checks off (all, or one of `handles` / `heap` / `native`).
 */
export function installLeakproofGlobal(global: object, currentTest: () => string | null, skipped: SkippedChecks): void {
  // Typed as the matchers' types declare the global, so that the two cannot drift apart.
  const api: LeakproofGlobal = {
    // With this file's bridge: the environment's checks pause while the checkpoint measures.
    checkpoint: () => checkpoint(global),
    skipChecks: (which?: CheckName) => {
      const test = currentTest();
      if (!test) throw new Error(SKIP_OUTSIDE_TEST_MESSAGE);
      skipped.skip(test, which);
    },
  };
  (global as Record<string, unknown>).leakproof = api;
}
