import { readFileSync } from 'node:fs';
import { acceptCurrent, compareWithBaseline } from './baseline-compare';
import { writeFileAtomic } from '@leakproof/record';
import { BaselineError, formatBaseline, OldBaselineError, readBaseline } from './baseline-file';
import type { LeakReport } from './report-types';
import { verdictLine } from './text-summary';

export interface BaselinePolicy {
  /** Absolute path of the baseline file. */
  file: string;
  /** How messages name it (relative to rootDir). */
  displayPath: string;
  tolerance: number;
  /** Accept the current state (jest -u, LEAKPROOF_UPDATE_BASELINE=1, leakproof merge --update). */
  update: boolean;
  /** Why the baseline may not be written even in update mode (--ci, one shard of many), or null. */
  readOnlyReason: string | null;
  judgeObsolete: boolean;
  fileExists: (testPath: string) => boolean;
}

/**
 * Reads, applies and (in update mode) rewrites the baseline; sets report.baseline and
 * report.verdict. Returns the error that fails the run, if any. A baseline that cannot be
 * parsed is reported and never overwritten; one in the format of leakproof 0.1 (schemaVersion 1)
 * is replaced by this run's in update mode, and fails the run otherwise.
 */
export function applyBaselinePolicy(report: LeakReport, policy: BaselinePolicy): Error | null {
  const writable = policy.update && !policy.readOnlyReason;
  let error: Error | null = null;
  let entries;
  let replaced: number | null = null;
  try {
    entries = readBaseline(policy.file, policy.displayPath)?.findings ?? null;
  } catch (e) {
    if (!(e instanceof BaselineError)) throw e;
    if (e instanceof OldBaselineError && writable) {
      // Its entries cannot be read as identities: this run's findings replace them all.
      entries = null;
      replaced = e.schemaVersion;
    } else {
      error = e;
      report.baseline = notApplied(policy, 'the baseline file is invalid (see the error)');
      report.verdict = verdictLine(report, error.message);
      return error;
    }
  }
  if (writable) {
    const next = acceptCurrent(report, entries ?? [], policy.fileExists);
    const text = formatBaseline(next);
    // Unchanged: not rewritten (no mtime churn, nothing for watchers to pick up).
    if (readIfExists(policy.file) !== text) writeFileAtomic(policy.file, text);
    report.baseline = compareWithBaseline(report, next, comparison(policy));
    report.baseline.written = true;
    report.baseline.replacedSchemaVersion = replaced;
  } else if (entries === null) {
    const create =
      policy.update && policy.readOnlyReason
        ? `not written: ${policy.readOnlyReason}`
        : 'create it with jest -u or LEAKPROOF_UPDATE_BASELINE=1, then commit it';
    report.baseline = notApplied(policy, `no ${policy.displayPath}: nothing enforced (${create})`);
  } else {
    report.baseline = compareWithBaseline(report, entries, comparison(policy));
    if (policy.update && policy.readOnlyReason) report.baseline.reason = `not written: ${policy.readOnlyReason}`;
  }
  report.verdict = verdictLine(report);
  if (!report.verdict.ok) error = new Error(report.verdict.summary);
  return error;
}

function comparison(policy: BaselinePolicy) {
  return { path: policy.displayPath, tolerance: policy.tolerance, judgeObsolete: policy.judgeObsolete, fileExists: policy.fileExists };
}

function notApplied(policy: BaselinePolicy, reason: string): NonNullable<LeakReport['baseline']> {
  return {
    path: policy.displayPath,
    applied: false,
    reason,
    tolerance: policy.tolerance,
    newFindings: [],
    grown: [],
    obsolete: [],
    written: false,
    replacedSchemaVersion: null,
  };
}

function readIfExists(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
