import * as path from 'node:path';
import {
  formatBytes,
  formatCount,
  nativeFrameText,
  NO_JS_FRAME_TEXT,
  retainerPathText,
  shortRetainerText,
  siteText,
  whatText,
  type LeakFinding,
  type LeakKind,
  type Site,
} from '@leakproof/core';
import type { ReportCheck, ReportFinding, ReportTest } from './report-types';

/**
 * Words shared by the text summary, the HTML report and the annotations, made from the finding's
 * fields with core's format.ts pieces. `short`: for the summary table, which has room for names,
 * not paths (the reports have both): a JS site's file by its basename.
 */
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
export function sizeText(finding: Pick<LeakFinding, 'count' | 'bytes' | 'per'>): string {
  const per = finding.per === 'test' ? 'per test' : 'per call';
  const bytes = finding.bytes > 0 ? ` (${formatBytes(finding.bytes)})` : '';
  return `+${formatCount(finding.count)} ${per}${bytes}`;
}

/** `fn (src/file.js:12:7)`; short: `fn (file.js:12:7)`. */
export function siteLabel(site: Site, short = false): string {
  if (site.lang === 'js' && short && site.file) return siteText({ ...site, file: path.basename(site.file) });
  return siteText(site);
}

/**
 * What grew, as core's whatText says it (`Array`, `Timeout`, or the site when nothing named it).
 * Short, for the summary: the name, or only `objects` / `native memory` when nothing named it,
 * the site being what whereText says then (a summary line has room for one site, not two).
 */
export function whatGrewText(finding: LeakFinding, short = false): string {
  if (!short || finding.name !== null) return whatText(finding);
  if (finding.kind === 'native') return 'native memory';
  if (finding.kind === 'js-objects') return 'objects';
  return whatText(finding);
}

/**
 * Who holds it or where it came from: the retainer path's tail (the last `maxSteps` steps, else
 * core's shortRetainerText), the native owner and its allocator, or the JS site when what grew
 * does not already name it (short: always, what grew being only `objects` then).
 */
export function whereText(finding: LeakFinding, { maxSteps, short = false }: { maxSteps?: number; short?: boolean } = {}): string {
  if (finding.retainers?.length) {
    if (maxSteps === undefined) return `retained by ${shortRetainerText(finding.retainers, finding.name)}`;
    const steps = retainerPathText(finding.retainers, finding.name);
    return `retained by ${steps.length > maxSteps ? '... ' : ''}${steps.slice(-maxSteps).join(' -> ')}`;
  }
  if (finding.kind === 'native') {
    if (finding.site?.lang !== 'native') return '';
    const allocator = finding.allocations?.[0]?.allocator;
    return `allocated at ${nativeFrameText(finding.site)}${allocator ? ` via ${allocator}` : ''}`;
  }
  if (short && finding.kind === 'js-objects' && finding.name === null && finding.noJsFrame) return `allocated at ${NO_JS_FRAME_TEXT}`;
  // Without a name, what grew is said by its site already (whatText), except in the short form.
  if (finding.site && (finding.name !== null || short)) {
    return `${finding.kind === 'handles' ? 'created' : 'allocated'} at ${siteLabel(finding.site, short)}`;
  }
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
