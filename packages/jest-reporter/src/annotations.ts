import { findingsOf } from './report-builder';
import { failsRun, KIND_LABEL, sizeText, stateText, whatGrewText, whereText } from './finding-text';
import type { LeakReport } from './report-types';

/**
 * GitHub Actions workflow commands, one per finding, at the test that leaked. `error` when the
 * finding fails the run (its test failed, new, grown), `warning` otherwise.
 * https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions
 */
export function githubAnnotations(report: LeakReport): string[] {
  const lines: string[] = [];
  for (const { test, check, finding } of findingsOf(report)) {
    const failing = failsRun(check, finding, test);
    const props = [`file=${escapeProperty(test.testPath)}`];
    if (test.location) props.push(`line=${test.location.line}`, `col=${test.location.column}`);
    props.push(`title=${escapeProperty('leakproof')}`);
    const where = whereText(finding);
    const message = `${test.fullName || '(whole file)'}: ${KIND_LABEL[finding.kind]} ${whatGrewText(finding)} ${sizeText(finding)} [${stateText(check, finding, test)}]${where ? `\n${where}` : ''}`;
    lines.push(`::${failing ? 'error' : 'warning'} ${props.join(',')}::${escapeData(message)}`);
  }
  return lines;
}

/** Message text: % first, so that the escapes themselves are not escaped again. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Property values also lose `:` and `,`, which separate properties. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
