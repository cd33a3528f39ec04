import type { LeakFinding } from '@leakproof/core';
import type { LeakproofCheckName } from '@leakproof/jest-matchers';
import type { CheckMode } from './options';

/** The environment's per-test checks, as `leakproof.skipChecks(name)` (typed in @leakproof/jest-matchers) and the record name them. */
export type CheckName = LeakproofCheckName;
export const CHECK_NAMES: readonly CheckName[] = ['handles', 'heap', 'native'];

/** What a check found against one test or the file, and what its mode and limits make of it. */
export interface Judgement {
  /** The test charged (its id), or null: the file (code outside tests). */
  owner: string | null;
  /** `failed`: the test (or file) fails; `warned`: a warning only (warn mode, or under the failure limit). */
  outcome: 'failed' | 'warned';
  findings: LeakFinding[];
  /** The size checks (heap, native): the limit crossed, in bytes. */
  limitBytes?: number;
}

/**
 * One per-test check, driven by the test lifecycle. Handles are judged when a test ends (a grace
 * period, then whatever is still open); heap and native when the file ends (what each test
 * allocated that is still alive once every test and afterAll has run).
 */
export interface TestCheck {
  readonly name: CheckName;
  /** From now on, what is created is charged to `owner` (a test id), or to no test (null: between tests, concurrent tests). */
  window(owner: string | null): void;
  /** A matcher or checkpoint measures until `resume`: the sampling heap profiler is one per process, and the measurement must not see the checks' bookkeeping. */
  pause(): Promise<void>;
  /** The measurement is over; `owner` is the window's owner now. */
  resume(owner: string | null): void;
  /** At test_done: what test `owner` left behind, if this check judges tests as they end. */
  testDone(owner: string): Promise<Judgement | undefined>;
  /** At run_finish: everything not judged yet. `skipped` tests (leakproof.skipChecks) are left out. */
  fileDone(skipped: (owner: string) => boolean): Promise<Judgement[]>;
  /** Teardown: hooks and profilers off, whatever happened before. */
  dispose(): void;
}

/** The per-test size limits of the heap and native checks (testEnvironmentOptions.leakproof.heap / native). */
export interface SizeLimits {
  mode: CheckMode;
  failAboveBytes: number;
  warnAboveBytes: number;
}

/**
 * The rule shared by the per-test size checks: fail above failAboveBytes (in fail mode), warn
 * above warnAboveBytes; nothing to say below.
 */
export function sizeJudgement(owner: string, findings: LeakFinding[], limits: SizeLimits): Judgement | undefined {
  const bytes = totalBytes(findings);
  const fails = limits.mode === 'fail' && bytes > limits.failAboveBytes;
  if (!fails && bytes <= limits.warnAboveBytes) return undefined;
  return { owner, outcome: fails ? 'failed' : 'warned', findings, limitBytes: fails ? limits.failAboveBytes : limits.warnAboveBytes };
}

export function totalBytes(findings: LeakFinding[]): number {
  return findings.reduce((sum, f) => sum + f.bytes, 0);
}

export function totalCount(findings: LeakFinding[]): number {
  return findings.reduce((sum, f) => sum + f.count, 0);
}
