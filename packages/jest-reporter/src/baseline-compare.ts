import { identityKey, identityText, testId } from './identity';
import { findingsOf, isGoverned } from './report-builder';
import type { BaselineEntry, BaselineResult, GrownFinding, LeakReport, ReportFinding, ReportTest } from './report-types';

export interface CompareOptions {
  /** Shown in messages and the report. */
  path: string;
  /** Allowed growth over the baseline size, 0.25 = +25%. */
  tolerance: number;
  /**
   * Judge baseline entries as obsolete. Off for one shard of a sharded run: it saw only its own
   * tests, `leakproof merge` judges obsolescence over all shards.
   */
  judgeObsolete: boolean;
  /** Whether a test file (relative to rootDir) still exists; entries of deleted files are obsolete. */
  fileExists: (testPath: string) => boolean;
}

/** The baseline's view of the governed findings of the report: one entry per identity, by identityKey. */
export function currentEntries(report: Pick<LeakReport, 'tests'>): Map<string, { entry: BaselineEntry; findings: ReportFinding[] }> {
  const current = new Map<string, { entry: BaselineEntry; findings: ReportFinding[] }>();
  for (const { check, finding } of findingsOf(report)) {
    if (!isGoverned(check)) continue;
    const entry = entryOf(finding);
    const key = identityKey(finding.identity);
    const seen = current.get(key);
    // The same finding twice in one test (two matcher calls on the same fn, two allocations in
    // one function): the larger counts.
    if (!seen) current.set(key, { entry, findings: [finding] });
    else {
      seen.findings.push(finding);
      if (entry.bytes > seen.entry.bytes || entry.count > seen.entry.count) seen.entry = entry;
    }
  }
  return current;
}

/**
 * Applies a baseline to a report: marks each finding accepted / new / grown / not-governed and
 * lists obsolete entries. Mutates the findings' `baseline` field; returns the summary.
 */
export function compareWithBaseline(
  report: Pick<LeakReport, 'tests' | 'files'>,
  baseline: BaselineEntry[],
  options: CompareOptions,
): BaselineResult {
  const byKey = new Map(baseline.map((entry) => [identityKey(entry), entry]));
  const current = currentEntries(report);
  const newFindings: string[] = [];
  const grown: GrownFinding[] = [];
  for (const [key, { entry, findings }] of current) {
    const base = byKey.get(key);
    let state: ReportFinding['baseline'] = 'accepted';
    if (!base) {
      state = 'new';
      newFindings.push(identityText(entry));
    } else {
      const growth = growthOver(base, entry);
      if (growth > options.tolerance) {
        state = 'grown';
        grown.push({ id: identityText(entry), baseline: base, current: entry, growth });
      }
    }
    for (const finding of findings) finding.baseline = state;
  }
  return {
    path: options.path,
    applied: true,
    reason: options.judgeObsolete ? null : 'sharded run: obsolete entries are judged by `leakproof merge` over all shards',
    tolerance: options.tolerance,
    newFindings,
    grown,
    obsolete: options.judgeObsolete ? obsoleteEntries(report, baseline, options.fileExists) : [],
    written: false,
    replacedSchemaVersion: null,
  };
}

/**
 * Growth of a finding over its baseline size, on bytes when both sides have bytes (the measure
 * users budget in), else on counts (handles have no size).
 */
export function growthOver(base: BaselineEntry, current: BaselineEntry): number {
  const [was, now] = base.bytes > 0 && current.bytes > 0 ? [base.bytes, current.bytes] : [base.count, current.count];
  if (was <= 0) return now > 0 ? Infinity : 0;
  return now / was - 1;
}

/**
 * Entries whose leak is gone. Judged only where the run can tell: the test passed without the
 * finding, the file ran and no longer has the test, or the file was deleted. A failed, skipped
 * or filtered-out test, or a file this run did not include, proves nothing.
 */
function obsoleteEntries(
  report: Pick<LeakReport, 'tests' | 'files'>,
  baseline: BaselineEntry[],
  fileExists: (testPath: string) => boolean,
): BaselineEntry[] {
  const present = new Set<string>();
  for (const { finding } of findingsOf(report)) present.add(identityKey(finding.identity));
  const tests = new Map<string, ReportTest>();
  for (const test of report.tests) tests.set(testId(test.testPath, test.fullName), test);
  const filesRun = new Set(report.files.map((f) => f.testPath));
  const fileStatus = new Map(report.files.map((f) => [f.testPath, f.status]));
  return baseline.filter((entry) => {
    if (present.has(identityKey(entry))) return false;
    if (!filesRun.has(entry.testPath)) return !fileExists(entry.testPath);
    const test = tests.get(testId(entry.testPath, entry.fullName));
    if (entry.fullName === '') return fileStatus.get(entry.testPath) === 'passed';
    if (!test) return fileStatus.get(entry.testPath) === 'passed';
    return test.status === 'passed';
  });
}

/**
 * The baseline after accepting this run: entries of tests this run judged (passed) are replaced
 * by their current findings; entries of tests it could not judge (failed, skipped, other files,
 * other shards) are kept; obsolete entries go.
 */
export function acceptCurrent(
  report: Pick<LeakReport, 'tests' | 'files'>,
  baseline: BaselineEntry[],
  fileExists: (testPath: string) => boolean,
): BaselineEntry[] {
  const current = currentEntries(report);
  const obsolete = new Set(obsoleteEntries(report, baseline, fileExists).map(identityKey));
  const judged = new Set(report.tests.filter((t) => t.status === 'passed').map((t) => testId(t.testPath, t.fullName)));
  const next = new Map<string, BaselineEntry>();
  for (const entry of baseline) {
    const key = identityKey(entry);
    if (obsolete.has(key)) continue;
    next.set(key, entry);
  }
  for (const [key, { entry }] of current) {
    // A failed (or unlisted) test is not accepted: its findings may be half-measured; its old
    // entries stay, and nothing new is added for it.
    if (!judged.has(testId(entry.testPath, entry.fullName))) continue;
    next.set(key, entry);
  }
  return [...next.values()];
}

/** The baseline's view of a finding: its identity and its size, nothing machine-specific. */
function entryOf(finding: ReportFinding): BaselineEntry {
  return { ...finding.identity, per: finding.per, count: finding.count, bytes: finding.bytes };
}
