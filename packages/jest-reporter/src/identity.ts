import * as path from 'node:path';
import { shortFunctionName, type LeakFinding, type Site } from '@leakproof/core';
import type { FindingIdentity, StableSite } from './report-types';

/** `path` relative to rootDir with `/` separators: the same on every machine and OS. */
export function relativeTestPath(rootDir: string, testPath: string): string {
  const relative = path.isAbsolute(testPath) ? path.relative(rootDir, testPath) : testPath;
  return relative.split(path.sep).join('/');
}

/**
 * The fields of a site that identify it: a JS site by function and file (relative to rootDir),
 * never its line or column (an edit above the allocation moves them, and a baseline keyed on
 * them would call every such edit a new leak); a native site by its short function name and its
 * shared object, never its offset (a rebuild moves it).
 */
export function stableSite(rootDir: string, site: Site | null): StableSite | null {
  if (!site) return null;
  if (site.lang === 'native') return { function: site.function === null ? null : shortFunctionName(site.function), object: site.object };
  // `node:...` and '' (native code) are not paths: kept as they are.
  return { function: site.function, file: path.isAbsolute(site.file) ? relativeTestPath(rootDir, site.file) : site.file };
}

/**
 * The identity of a finding, the one place it is made: test file (relative to rootDir), test,
 * kind, what grew (constructor or handle type, null when only the site is known) and the stable
 * site. Only fields: no display text is read.
 */
export function findingIdentity(
  rootDir: string,
  testPath: string,
  fullName: string,
  finding: Pick<LeakFinding, 'kind' | 'name' | 'site'>,
): FindingIdentity {
  return {
    testPath: relativeTestPath(rootDir, testPath),
    fullName,
    kind: finding.kind,
    name: finding.name,
    site: stableSite(rootDir, finding.site),
  };
}

/**
 * The canonical key two identities are equal on: their fields in a fixed order (a baseline entry,
 * which carries sizes too, gives the key of its identity).
 */
export function identityKey(identity: FindingIdentity): string {
  const { testPath, fullName, kind, name, site } = identity;
  const siteKey = site === null ? null : 'file' in site ? ['js', site.function, site.file] : ['native', site.function, site.object];
  return JSON.stringify([testPath, fullName, kind, name, siteKey]);
}

/**
 * The identity for a person, in the report, the summary and messages:
 * `src/a.test.js › client warns › js-objects: Array at search (src/client.js)`. Never compared:
 * two identities can read alike (an anonymous function and one named `(anonymous)`).
 */
export function identityText(identity: FindingIdentity): string {
  const { testPath, fullName, kind, name, site } = identity;
  const where = site === null ? null : stableSiteText(site);
  const what = name === null ? (where === null ? kind : `${kind} at ${where}`) : `${kind}: ${name}${where === null ? '' : ` at ${where}`}`;
  return `${testPath} › ${fullName || '(file)'} › ${what}`;
}

/** `search (src/client.js)`, `lookup (corpus.node)`: a site without the parts that move. */
function stableSiteText(site: StableSite): string {
  if ('file' in site) return site.file ? `${site.function || '(anonymous)'} (${site.file})` : site.function || '(anonymous)';
  const fn = site.function ?? '???';
  return site.object === null ? fn : `${fn} (${site.object})`;
}

/** Identity of a test (the unit obsolescence is judged on). */
export function testId(testPath: string, fullName: string): string {
  return `${testPath}\u0000${fullName}`;
}
