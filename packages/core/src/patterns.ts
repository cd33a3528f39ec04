import { shortFunctionName } from './format';
import { namesHandleType } from './handles';
import type { LeakFinding, Site } from './types';

/** An `ignore` / suppression entry: a substring, or a RegExp. */
export type Pattern = string | RegExp;

export function matchesAny(text: string, patterns: Pattern[]): boolean {
  // RegExps made in Jest's test realm: rebuilt here so `lastIndex` state is never shared.
  return patterns.some((p) => (typeof p === 'string' ? text.includes(p) : new RegExp(p.source, p.flags).test(text)));
}

/**
 * The fields of a site a pattern may name: its function (full and short C++ name) and its file or
 * shared object. Never a line number: an edit above the code would break the pattern.
 */
export function siteFields(site: Site): string[] {
  if (site.lang === 'js') return [site.function, site.file];
  const names = site.function === null ? [] : [site.function, shortFunctionName(site.function)];
  return site.object === null ? names : [...names, site.object];
}

export function siteMatches(site: Site | null, patterns: Pattern[]): boolean {
  if (!site || patterns.length === 0) return false;
  return siteFields(site).some((field) => matchesAny(field, patterns));
}

/**
 * `ignore`: a finding is left out when a pattern names what grew or its site. A handle type may
 * be written either way (`TCPSERVERWRAP` or `TCPServerWrap`, see namesHandleType).
 */
export function findingIgnored(finding: Pick<LeakFinding, 'name' | 'site'>, patterns: Pattern[]): boolean {
  if (patterns.length === 0) return false;
  const name = finding.name;
  if (name !== null && (matchesAny(name, patterns) || patterns.some((p) => typeof p === 'string' && namesHandleType(p, name)))) return true;
  return siteMatches(finding.site, patterns);
}
