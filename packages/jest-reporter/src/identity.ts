import * as path from 'node:path';
import type { LeakFinding } from '@leakproof/core';
import type { BaselineEntry } from './report-types';

/** `path` relative to rootDir with `/` separators: the same on every machine and OS. */
export function relativeTestPath(rootDir: string, testPath: string): string {
  const relative = path.isAbsolute(testPath) ? path.relative(rootDir, testPath) : testPath;
  return relative.split(path.sep).join('/');
}

/**
 * A site (or a `what` naming one) without line and column, paths relative to rootDir: an edit above the
 * allocation moves its line, and a baseline keyed on lines would call every such edit a new leak.
 */
export function stableSite(rootDir: string, site: string | undefined): string | null {
  if (!site) return null;
  const root = rootDir.endsWith(path.sep) ? rootDir : rootDir + path.sep;
  return site
    .replace(/file:\/\//g, '')
    .split(root)
    .join('')
    .replace(/:\d+:\d+(?=\)|$)/g, '')
    .replace(/\\/g, '/');
}

/** The baseline's view of a finding: identity and size, nothing machine-specific. */
export function toEntry(rootDir: string, testPath: string, fullName: string, finding: LeakFinding): BaselineEntry {
  return {
    testPath: relativeTestPath(rootDir, testPath),
    fullName,
    kind: finding.kind,
    // The environment's heap check names a site in `what` (`objects allocated at fn (file:1:2)`).
    what: stableSite(rootDir, finding.what)!,
    site: stableSite(rootDir, finding.site),
    per: finding.per ?? 'call',
    countPerCall: finding.countPerCall,
    bytesPerCall: finding.bytesPerCall,
  };
}

/** Identity of a finding: testPath + fullName + kind + what + site. Readable, used as a key. */
export function entryId(entry: Pick<BaselineEntry, 'testPath' | 'fullName' | 'kind' | 'what' | 'site'>): string {
  return `${entry.testPath} › ${entry.fullName || '(file)'} › ${entry.kind}: ${entry.what}${entry.site ? ` at ${entry.site}` : ''}`;
}

/** Identity of a test (the unit obsolescence is judged on). */
export function testId(testPath: string, fullName: string): string {
  return `${testPath}\u0000${fullName}`;
}
