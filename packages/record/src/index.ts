import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { LeakFinding, LeakVerdict } from '@leakproof/core';

/**
 * What a test-runner adapter writes for the reporter, one JSON file per test file, into the
 * directory named by LEAKPROOF_RECORD_DIR (set by the reporter in the runner's parent process,
 * inherited by the workers). The only channel between a test worker and the reporter: the
 * runner's own results carry failure messages, not measurements.
 */
export const RECORD_DIR_ENV = 'LEAKPROOF_RECORD_DIR';
/** 2: findings as structured data (name, site, count/bytes per call or test); see CHANGELOG.md. */
export const RECORD_VERSION = 2;

/** One leak check: a matcher call or a per-test check (handles, heap, native). */
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
  /** describe titles then the test's title. */
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

/**
 * Writes next to the target then renames: a reader (or a crash, or a full disk mid-write) never
 * sees half a file, as rename is atomic within a directory on POSIX.
 */
export function writeFileAtomic(file: string, text: string): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(temp, text);
    renameSync(temp, file);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // never created
    }
    throw error;
  }
}

/** Writes one test file's record into `dir` under a name no other worker uses. */
export function writeRecord(dir: string, record: FileLeakRecord): string {
  mkdirSync(dir, { recursive: true });
  const stem = path.basename(record.testPath).replace(/[^\w.-]/g, '_');
  const file = path.join(dir, `${stem}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.json`);
  writeFileAtomic(file, JSON.stringify(record));
  return file;
}

/** A record, or why the file is not one (a sentence for a person). */
export function readRecord(file: string): FileLeakRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return `not a JSON file (${(error as Error).message})`;
  }
  const record = value as Partial<FileLeakRecord> | null;
  if (!record || typeof record !== 'object' || typeof record.testPath !== 'string' || !Array.isArray(record.tests)) {
    return 'not a leakproof record (no testPath / tests)';
  }
  if (record.version !== RECORD_VERSION) {
    return `record version ${JSON.stringify(record.version)}, this reporter reads version ${RECORD_VERSION} (mismatched @leakproof packages? install the same version of all of them)`;
  }
  return { ...record, fileChecks: record.fileChecks ?? [] } as FileLeakRecord;
}
