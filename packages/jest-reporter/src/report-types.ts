import type { LeakFinding, LeakKind } from '@leakproof/core';
import type { LeakCheckRecord } from '@leakproof/record';

/**
 * The JSON report (leakproof-report.json), schema in ../schema/report.schema.json. Bump
 * REPORT_SCHEMA_VERSION on any change a reader could trip over (a removed or retyped field);
 * added optional fields keep the version.
 */
export const REPORT_SCHEMA_VERSION = 2;

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

/**
 * A site as an identity uses it: the fields that survive an edit elsewhere in the file. A JS
 * site without line and column (an edit above it moves them), its file relative to rootDir with
 * `/` separators; a native site by its short function name and shared object (no offset: a
 * rebuild moves it).
 */
export type StableSite = { function: string; file: string } | { function: string | null; object: string | null };

/**
 * What makes two findings the same one, on every machine and across edits: the test, the kind,
 * what grew (constructor or handle type, null when only the site is known) and the stable site.
 * Built by identity.ts findingIdentity(), compared by identityKey() only.
 */
export interface FindingIdentity {
  /** Relative to rootDir, `/`-separated. */
  testPath: string;
  /** Jest's fullName; '' for checks charged to the whole file. */
  fullName: string;
  kind: LeakKind;
  name: string | null;
  site: StableSite | null;
}

export interface ReportFinding extends LeakFinding {
  /** The identity for a person (identity.ts identityText); equality is decided on `identity`. */
  id: string;
  identity: FindingIdentity;
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

/** One accepted finding of the baseline: its identity, then its size (objects/handles/blocks and bytes) per call or test. */
export interface BaselineEntry extends FindingIdentity {
  per: 'call' | 'test';
  count: number;
  bytes: number;
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
  /**
   * The schemaVersion of the baseline file this run replaced without reading it (an older format
   * that cannot be converted, see baseline-file.ts); null when none was.
   */
  replacedSchemaVersion: number | null;
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
