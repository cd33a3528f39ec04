import { findingsOf } from './report-builder';
import { KIND_LABEL, sizeText, stateText, whatGrewText, whereText } from './finding-text';
import type { LeakReport } from './report-types';
import { identityText } from './identity';

const MAX_CELL = 48;
/** More rows than this go to the JSON/HTML report only: a summary is read on a terminal. */
const MAX_ROWS = 30;

/**
 * The end-of-run summary: one row per finding, then the verdict. Only the verdict line when
 * nothing was found.
 */
export function textSummary(report: LeakReport, outputs: string[] = []): string {
  const rows: string[][] = [];
  for (const { test, check, finding } of findingsOf(report)) {
    rows.push([
      `${basename(test.testPath)} › ${test.fullName || '(whole file)'}`,
      KIND_LABEL[finding.kind],
      whatGrewText(finding, true),
      sizeText(finding),
      whereText(finding, { maxSteps: 2, short: true }),
      stateText(check, finding, test),
    ]);
  }
  const lines: string[] = [];
  if (rows.length > 0) {
    lines.push(
      '',
      'leakproof findings:',
      ...table(['test', 'kind', 'what grew', 'size', 'retainer / site', 'state'], rows.slice(0, MAX_ROWS)),
    );
    if (rows.length > MAX_ROWS) lines.push(`  ... and ${rows.length - MAX_ROWS} more (see the report)`);
  }
  const baseline = report.baseline;
  if (baseline?.grown.length) {
    lines.push('', `grown beyond +${Math.round(baseline.tolerance * 100)}% of ${baseline.path}:`);
    for (const g of baseline.grown)
      lines.push(
        `  ${g.id}: ${g.baseline.count} -> ${g.current.count} per ${g.current.per}, ${g.baseline.bytes} -> ${g.current.bytes} B (+${Math.round(g.growth * 100)}%)`,
      );
  }
  if (baseline?.obsolete.length) {
    lines.push('', `obsolete in ${baseline.path} (fixed, or the test is gone; accept with jest -u or LEAKPROOF_UPDATE_BASELINE=1):`);
    for (const entry of baseline.obsolete) lines.push(`  ${identityText(entry)}`);
  }
  lines.push(report.verdict.summary);
  if (rows.length > 0 || baseline?.obsolete.length) for (const out of outputs) lines.push(`  report: ${out}`);
  return lines.join('\n');
}

/** The one-line verdict (also stored in the report). */
export function verdictLine(report: Pick<LeakReport, 'tests' | 'baseline'>, extraError?: string): { ok: boolean; summary: string } {
  let total = 0;
  let failedTests = 0;
  let accepted = 0;
  const tests = new Set<string>();
  for (const { test, check, finding } of findingsOf(report)) {
    total++;
    if (finding.baseline === 'accepted') accepted++;
    tests.add(`${test.testPath}\u0000${test.fullName}`);
    if (check.outcome === 'failed' && test.status !== 'passed') failedTests++;
  }
  const b = report.baseline;
  const regressions = (b?.newFindings.length ?? 0) + (b?.grown.length ?? 0);
  const ok = regressions === 0 && !extraError;
  const testCount = report.tests.filter((t) => t.fullName !== '').length;
  if (total === 0 && !b?.obsolete.length && ok)
    return { ok, summary: `leakproof: no leaks found in ${testCount} test${testCount === 1 ? '' : 's'}.` };
  const parts = [`${total} finding${total === 1 ? '' : 's'} in ${tests.size} test${tests.size === 1 ? '' : 's'}`];
  if (failedTests) parts.push(`${failedTests} failed ${failedTests === 1 ? 'its test' : 'their tests'}`);
  if (b?.applied) {
    parts.push(
      `baseline ${b.path}: ${b.newFindings.length} new, ${b.grown.length} grown, ${accepted} accepted, ${b.obsolete.length} obsolete`,
    );
  } else if (b) parts.push(`baseline not applied: ${b.reason}`);
  if (b?.written) {
    parts.push(
      b.replacedSchemaVersion === null
        ? `baseline written to ${b.path}`
        : `baseline written to ${b.path}, replacing a schemaVersion ${b.replacedSchemaVersion} baseline (leakproof 0.1) that cannot be converted: entries of tests this run did not judge are not carried over`,
    );
  }
  if (extraError) parts.push(extraError);
  return { ok, summary: `leakproof: ${ok ? '' : 'FAIL: '}${parts.join('; ')}.` };
}

/** Long cells lose their middle: a title's start and a site's end say the most. */
function table(header: string[], rows: string[][]): string[] {
  const cut = (cell: string) => (cell.length > MAX_CELL ? `${cell.slice(0, 18)}...${cell.slice(-(MAX_CELL - 21))}` : cell);
  const cells = [header, ...rows].map((row) => row.map(cut));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row: string[]) => `  ${row.map((cell, i) => cell.padEnd(widths[i])).join('  ')}`.trimEnd();
  return [line(cells[0]), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)];
}

function basename(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}
