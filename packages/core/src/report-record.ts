import type { LeakFinding, LeakVerdict } from './types';

/**
 * What the environment writes for the reporter, one JSON file per test file, into the directory
 * named by LEAKPROOF_RECORD_DIR (set by the reporter in Jest's parent process, inherited by the
 * workers). The only channel between a test worker and the reporter: Jest's own results carry
 * failure messages, not measurements.
 */
export const RECORD_DIR_ENV = 'LEAKPROOF_RECORD_DIR';
export const RECORD_VERSION = 1;

/** One leak check: a matcher call or an environment check (handles, heap, native per test). */
export interface LeakCheckRecord {
  source: 'toNotLeak' | 'toLeak' | 'handles' | 'heap' | 'native';
  /**
   * `failed`: the check failed the test; `warned`: reported, test not failed (warn mode or under
   * threshold); `passed`: clean, or a leak pinned by toLeak as expected.
   */
  outcome: 'failed' | 'warned' | 'passed';
  findings: LeakFinding[];
  /** Matchers only: how it was measured (runs, calls, notes); findings are above. */
  measurement?: Omit<LeakVerdict, 'findings'>;
}

export interface TestLeakRecord {
  /** describe titles then the test's title (Jest's ancestorTitles + title). */
  titlePath: string[];
  /** titlePath joined by spaces: Jest's AssertionResult.fullName. */
  fullName: string;
  /** Where the test is declared, 1-based, when known. */
  location?: { line: number; column: number };
  checks: LeakCheckRecord[];
}

export interface FileLeakRecord {
  version: typeof RECORD_VERSION;
  testPath: string;
  /** Tests with at least one check recorded (clean matcher verdicts included). */
  tests: TestLeakRecord[];
  /** Checks charged to the file (handles opened in beforeAll, describe bodies, concurrent tests). */
  fileChecks: LeakCheckRecord[];
  nativeTracking: { available: boolean; reason?: string };
}
