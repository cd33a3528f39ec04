import type { LeakCheckRecord, LeakFinding, LeakKind } from '@leakproof/core';

/**
 * The JSON report (leakproof-report.json), schema in ../schema/report.schema.json. Bump
 * REPORT_SCHEMA_VERSION on any change a reader could trip over (a removed or retyped field);
 * added optional fields keep the version.
 */
export const REPORT_SCHEMA_VERSION = 1;

/** Jest's status of one test, plus `unknown` for a record whose test Jest did not list. */
export type TestStatus = 'passed' | 'failed' | 'skipped' | 'pending' | 'todo' | 'disabled' | 'focused' | 'unknown';

/** What the baseline says about one finding. */
export type BaselineState =
  /** in the baseline, within the tolerance */
  | 'accepted'
  /** not in the baseline: fails the run */
  | 'new'
  /** in the baseline, grown beyond the tolerance: fails the run */
  | 'grown'
  /** its check failed the test, or no baseline was applied: the baseline has no say */
  | 'not-governed';

export interface ReportFinding extends LeakFinding {
  /** Stable identity (testPath, fullName, kind, what, site without line numbers), see identity.ts. */
  id: string;
  /** The site as the identity uses it: no line/column, paths relative to rootDir. */
  siteKey: string | null;
  baseline: BaselineState;
}

export interface ReportCheck extends Omit<LeakCheckRecord, 'findings'> {
  findings: ReportFinding[];
}

export interface ReportTest {
  /** Relative to rootDir, `/`-separated. */
  testPath: string;
  /** Jest's fullName; '' for checks charged to the whole file. */
  fullName: string;
  titlePath: string[];
  status: TestStatus;
  location: { line: number; column: number } | null;
  checks: ReportCheck[];
}

export interface ReportFile {
  testPath: string;
  /** `failed` when the file could not run or had failing tests. */
  status: 'passed' | 'failed';
  /** Whether the environment wrote a record for the file (false: not run with the leakproof environment). */
  recorded: boolean;
  nativeTracking: { available: boolean; reason?: string } | null;
}

export interface BaselineEntry {
  testPath: string;
  fullName: string;
  kind: LeakKind;
  what: string;
  site: string | null;
  per: 'call' | 'test';
  countPerCall: number;
  bytesPerCall: number;
}

export interface GrownFinding {
  id: string;
  baseline: BaselineEntry;
  current: BaselineEntry;
  /** current / baseline - 1 on the compared measure (bytes when both have bytes, else count). */
  growth: number;
}

export interface BaselineResult {
  /** Path relative to rootDir (or as given). */
  path: string;
  /** false: no baseline file (nothing enforced), or sharded/disabled; see `reason`. */
  applied: boolean;
  reason: string | null;
  tolerance: number;
  newFindings: string[];
  grown: GrownFinding[];
  /** Baseline entries whose test ran clean (or whose file is gone): the leak was fixed. */
  obsolete: BaselineEntry[];
  /** Whether this run wrote the baseline (update mode). */
  written: boolean;
}

export interface LeakReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tool: { name: string; version: string };
  createdAt: string;
  /** null when the report was merged from shards with different rootDirs. */
  rootDir: string;
  shard: { shardIndex: number; shardCount: number } | null;
  /** Every test file of the run, with or without findings. */
  files: ReportFile[];
  /** Every test of the run (clean ones have no checks), and file-level checks with fullName ''. */
  tests: ReportTest[];
  baseline: BaselineResult | null;
  verdict: { ok: boolean; summary: string };
}
