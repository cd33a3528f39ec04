import { entryId, testId } from './identity';
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

/** The baseline's view of the governed findings of the report: one entry per identity. */
export function currentEntries(report: Pick<LeakReport, 'tests'>): Map<string, { entry: BaselineEntry; findings: ReportFinding[] }> {
  const current = new Map<string, { entry: BaselineEntry; findings: ReportFinding[] }>();
  for (const { test, check, finding } of findingsOf(report)) {
    if (!isGoverned(check)) continue;
    const entry = entryOf(test, finding);
    const seen = current.get(finding.id);
    // The same finding twice in one test (two matcher calls on the same fn): the larger counts.
    if (!seen) current.set(finding.id, { entry, findings: [finding] });
    else {
      seen.findings.push(finding);
      if (entry.bytesPerCall > seen.entry.bytesPerCall || entry.countPerCall > seen.entry.countPerCall) seen.entry = entry;
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
  const byId = new Map(baseline.map((entry) => [entryId(entry), entry]));
  const current = currentEntries(report);
  const newFindings: string[] = [];
  const grown: GrownFinding[] = [];
  for (const [id, { entry, findings }] of current) {
    const base = byId.get(id);
    let state: ReportFinding['baseline'] = 'accepted';
    if (!base) {
      state = 'new';
      newFindings.push(id);
    } else {
      const growth = growthOver(base, entry);
      if (growth > options.tolerance) {
        state = 'grown';
        grown.push({ id, baseline: base, current: entry, growth });
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
  };
}

/**
 * Growth of a finding over its baseline size, on bytes when both sides have bytes (the measure
 * users budget in), else on counts (handles have no size).
 */
export function growthOver(base: BaselineEntry, current: BaselineEntry): number {
  const [was, now] =
    base.bytesPerCall > 0 && current.bytesPerCall > 0
      ? [base.bytesPerCall, current.bytesPerCall]
      : [base.countPerCall, current.countPerCall];
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
  for (const { finding } of findingsOf(report)) present.add(finding.id);
  const tests = new Map<string, ReportTest>();
  for (const test of report.tests) tests.set(testId(test.testPath, test.fullName), test);
  const filesRun = new Set(report.files.map((f) => f.testPath));
  const fileStatus = new Map(report.files.map((f) => [f.testPath, f.status]));
  return baseline.filter((entry) => {
    if (present.has(entryId(entry))) return false;
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
  const obsolete = new Set(obsoleteEntries(report, baseline, fileExists).map(entryId));
  const judged = new Set(report.tests.filter((t) => t.status === 'passed').map((t) => testId(t.testPath, t.fullName)));
  const next = new Map<string, BaselineEntry>();
  for (const entry of baseline) {
    const id = entryId(entry);
    if (obsolete.has(id)) continue;
    next.set(id, entry);
  }
  for (const [id, { entry }] of current) {
    // A failed (or unlisted) test is not accepted: its findings may be half-measured; its old
    // entries stay, and nothing new is added for it.
    if (!judged.has(testId(entry.testPath, entry.fullName))) continue;
    next.set(id, entry);
  }
  return [...next.values()];
}

function entryOf(test: ReportTest, finding: ReportFinding): BaselineEntry {
  return {
    testPath: test.testPath,
    fullName: test.fullName,
    kind: finding.kind,
    what: finding.what,
    site: finding.siteKey,
    per: finding.per ?? 'call',
    countPerCall: finding.countPerCall,
    bytesPerCall: finding.bytesPerCall,
  };
}
