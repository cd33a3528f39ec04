/** Reading what the reporter printed, in the tests. */

/** The verdict as one line again: the summary wraps it to its width, continuation lines indented by 4. */
export function verdictOf(printed: string): string {
  const lines = printed.split('\n');
  const start = lines.map((line) => line.startsWith('leakproof: ')).lastIndexOf(true);
  if (start < 0) throw new Error(`no verdict in:\n${printed}`);
  let verdict = lines[start];
  for (const line of lines.slice(start + 1)) {
    if (!/^ {4}\S/.test(line)) break;
    verdict += ` ${line.trim()}`;
  }
  return verdict;
}
