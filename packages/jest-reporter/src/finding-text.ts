import { formatBytes, formatCount, type LeakFinding, type LeakKind } from '@leakproof/core';
import type { ReportCheck, ReportFinding, ReportTest } from './report-types';

/** Words shared by the text summary, the HTML report and the annotations. */
export const KIND_LABEL: Record<LeakKind, string> = { 'js-objects': 'JS objects', native: 'native', handles: 'handles' };

/** Whether the finding fails the run: its check failed its test, or the baseline says new/grown. */
export function failsRun(
  check: Pick<ReportCheck, 'outcome'>,
  finding: Pick<ReportFinding, 'baseline'>,
  test: Pick<ReportTest, 'status'>,
): boolean {
  return (check.outcome === 'failed' && test.status !== 'passed') || finding.baseline === 'new' || finding.baseline === 'grown';
}

/** `+1 per call (32 B)`, `+2 per test`. */
export function sizeText(finding: LeakFinding): string {
  const per = finding.per === 'test' ? 'per test' : 'per call';
  const bytes = finding.bytesPerCall > 0 ? ` (${formatBytes(finding.bytesPerCall)})` : '';
  return `+${formatCount(finding.countPerCall)} ${per}${bytes}`;
}

/** Who holds it or where it came from: the retainer's tail, the native caller, or the JS site. */
export function whereText(finding: LeakFinding, maxSteps = 3): string {
  if (finding.retainerPath?.length) {
    const steps = finding.retainerPath;
    return `retained by ${steps.length > maxSteps ? '... ' : ''}${steps.slice(-maxSteps).join(' -> ')}`;
  }
  const frame = finding.nativeStack?.find((f) => f.function);
  if (frame) return `allocated at ${frame.function} (${frame.object ?? '?'})${finding.allocator ? ` via ${finding.allocator}` : ''}`;
  // The heap check's `what` already names the site.
  if (finding.site && !finding.what.includes(finding.site)) return `allocated at ${finding.site}`;
  return '';
}

/**
 * How the finding stands: the check's outcome, then what the baseline says. A failed check in a
 * test that passed was expected by the test (`await expect(expect(fn).toNotLeak()).rejects...`).
 */
export function stateText(
  check: Pick<ReportCheck, 'outcome' | 'source'>,
  finding: Pick<ReportFinding, 'baseline'>,
  test: Pick<ReportTest, 'status'>,
): string {
  if (check.outcome === 'failed') return test.status === 'passed' ? 'failed check, expected by the test' : 'failed its test';
  const own = check.source === 'toLeak' ? 'pinned by toLeak' : 'warned';
  return finding.baseline === 'not-governed' ? own : `${own}, ${finding.baseline}`;
}
