import { findingsOf } from './report-builder';
import { KIND_LABEL, sizeText, stateText, whatGrewText, whereText } from './finding-text';
import type { LeakReport, ReportTest } from './report-types';
import { identityText } from './identity';
import { DEFAULT_WIDTH, keepEnd, keepStart, wrap, wrapParts } from './text-fit';

/** More findings than this go to the JSON/HTML report only: a summary is read on a terminal. */
const MAX_ROWS = 30;
/** A finding's cells start here, under its test's line. */
const INDENT = 4;
/** A retainer or site on a line of its own, when the finding's line has no room for it. */
const WHERE_INDENT = 6;
/** Constructors and handle types (`TCPServerWrap`) are not cut below this. */
const MIN_WHAT = 16;
const GAP = 2;
/** The verdict's continuation lines: further in than the `  report:` lines under it. */
const VERDICT_INDENT = 4;

/**
 * The end-of-run summary, no line wider than `width` (the terminal's, see terminalWidth): each
 * test with findings on a line, its findings under it, one line each (kind, what grew, size, state,
 * then the retainer or site, under it when the line has no room for it), then the verdict. Only
 * the verdict when nothing was found. A title too long keeps its start, cut after a whole word;
 * sentences wrap at word boundaries. (It measured ~230 columns and cut titles mid-word before.)
 */
export function textSummary(report: LeakReport, outputs: string[] = [], width = DEFAULT_WIDTH): string {
  const groups: Array<{ test: ReportTest; rows: string[][] }> = [];
  let shown = 0;
  let total = 0;
  for (const { test, check, finding } of findingsOf(report)) {
    total++;
    if (shown === MAX_ROWS) continue;
    shown++;
    if (groups[groups.length - 1]?.test !== test) groups.push({ test, rows: [] });
    groups[groups.length - 1].rows.push([
      KIND_LABEL[finding.kind],
      whatGrewText(finding, true),
      sizeText(finding),
      stateText(check, finding, test),
      whereText(finding, { maxSteps: 2, short: true }),
    ]);
  }
  const lines: string[] = [];
  if (groups.length > 0) {
    const layout = findingLayout(
      groups.flatMap((g) => g.rows),
      width,
    );
    lines.push('', 'leakproof findings:');
    for (const { test, rows } of groups) {
      lines.push(`  ${keepStart(`${basename(test.testPath)} › ${titleOf(test)}`, width - 2)}`);
      for (const row of rows) lines.push(...layout(row));
    }
    if (total > shown) lines.push(...wrap(`  ... and ${total - shown} more (see the report)`, width, INDENT));
  }
  const baseline = report.baseline;
  if (baseline?.grown.length) {
    lines.push('', ...wrap(`grown beyond +${Math.round(baseline.tolerance * 100)}% of ${baseline.path}:`, width));
    for (const g of baseline.grown)
      lines.push(
        ...wrap(
          `  ${g.id}: ${g.baseline.count} -> ${g.current.count} per ${g.current.per}, ${g.baseline.bytes} -> ${g.current.bytes} B (+${Math.round(g.growth * 100)}%)`,
          width,
          INDENT,
        ),
      );
  }
  if (baseline?.obsolete.length) {
    lines.push(
      '',
      ...wrap(`obsolete in ${baseline.path} (fixed, or the test is gone; accept with jest -u or LEAKPROOF_UPDATE_BASELINE=1):`, width),
    );
    for (const entry of baseline.obsolete) lines.push(...wrap(`  ${identityText(entry)}`, width, INDENT));
  }
  lines.push(...wrapParts(report.verdict.summary, width, VERDICT_INDENT));
  if (total > 0 || baseline?.obsolete.length) for (const out of outputs) lines.push(...wrap(`  report: ${out}`, width, INDENT));
  return lines.join('\n');
}

/**
 * How each finding's cells (kind, what grew, size, state, retainer or site) are laid out at this
 * width. The first four line up in columns (what grew cut, keeping its end, when the width needs
 * it); the retainer or site follows on the same line when it fits whole, else on a line of its own
 * under it (cut only if longer than that line). On a terminal too narrow for the columns, each
 * finding's cells are flowed over lines.
 */
function findingLayout(rows: string[][], width: number): (row: string[]) => string[] {
  const widthOf = (i: number) => Math.max(...rows.map((row) => row[i].length));
  const [kind, what, size, state] = [0, 1, 2, 3].map(widthOf);
  const whatWidth = Math.min(what, width - (INDENT + kind + size + state + 3 * GAP));
  if (whatWidth < Math.min(what, MIN_WHAT)) return (row) => flow(row, width);
  const whereRoom = width - (INDENT + kind + whatWidth + size + state + 4 * GAP);
  return (row) => {
    const cells = [row[0].padEnd(kind), keepEnd(row[1], whatWidth).padEnd(whatWidth), row[2].padEnd(size), row[3].padEnd(state)];
    const line = `${' '.repeat(INDENT)}${cells.join(' '.repeat(GAP))}`;
    const where = row[4];
    if (where === '') return [line.trimEnd()];
    if (where.length <= whereRoom) return [`${line}${' '.repeat(GAP)}${where}`];
    // Wrapped, not cut: a native site's function and its library are both worth reading.
    const under = wrap(`${' '.repeat(WHERE_INDENT)}${where}`, width, WHERE_INDENT + GAP).map((l) =>
      l.length > width ? keepEnd(l, width) : l,
    );
    return [line.trimEnd(), ...under];
  };
}

/** The cells one after the other, a new line (indented further) when the next one does not fit. */
function flow(cells: string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const cell of cells.filter((c) => c !== '')) {
    if (line !== '' && line.length + GAP + cell.length <= width) {
      line += `${' '.repeat(GAP)}${cell}`;
      continue;
    }
    if (line !== '') lines.push(line);
    const indent = lines.length === 0 ? INDENT : WHERE_INDENT;
    line = `${' '.repeat(indent)}${keepEnd(cell, width - indent)}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/**
 * The one-line verdict (also stored in the report). Counts say what they count: findings, the
 * tests they are in, and how many of those tests failed because of them (not how many findings
 * had a failed check: `11 findings in 5 tests (4 tests failed because of them)`).
 */
export function verdictLine(report: Pick<LeakReport, 'tests' | 'baseline'>, extraError?: string): { ok: boolean; summary: string } {
  let total = 0;
  let accepted = 0;
  const tests = new Set<string>();
  const files = new Set<string>();
  const failedTests = new Set<string>();
  const failedFiles = new Set<string>();
  for (const { test, check, finding } of findingsOf(report)) {
    total++;
    if (finding.baseline === 'accepted') accepted++;
    // Checks charged to a whole file (code outside tests) are the file's, not a test's.
    const id = `${test.testPath}\u0000${test.fullName}`;
    (test.fullName === '' ? files : tests).add(id);
    if (check.outcome === 'failed' && test.status !== 'passed') (test.fullName === '' ? failedFiles : failedTests).add(id);
  }
  const b = report.baseline;
  const regressions = (b?.newFindings.length ?? 0) + (b?.grown.length ?? 0);
  const ok = regressions === 0 && !extraError;
  const testCount = report.tests.filter((t) => t.fullName !== '').length;
  if (total === 0 && !b?.obsolete.length && ok) return { ok, summary: `leakproof: no leaks found in ${plural(testCount, 'test')}.` };
  const failed = testsAndFiles(failedTests.size, failedFiles.size);
  const parts = [
    `${plural(total, 'finding')} in ${testsAndFiles(tests.size, files.size) || '0 tests'}` +
      (failed ? ` (${failed} failed because of ${total === 1 ? 'it' : 'them'})` : ''),
  ];
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

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** `4 tests`, `1 whole file`, `4 tests and 1 whole file`; '' for none. */
function testsAndFiles(tests: number, files: number): string {
  return [tests > 0 ? plural(tests, 'test') : '', files > 0 ? plural(files, 'whole file') : ''].filter(Boolean).join(' and ');
}

/** `describe › test`; `(whole file)` for checks charged to the file (code outside tests). */
function titleOf(test: ReportTest): string {
  if (test.fullName === '') return '(whole file)';
  return test.titlePath.length > 0 ? test.titlePath.join(' › ') : test.fullName;
}

function basename(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}
