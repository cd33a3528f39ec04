import type { SiteDecision, SiteStatus } from './decide';
import type { ExplainedGroup } from './explain';
import { nativeOwnerFrame, nativeOwnerKey, type NativeSiteSurvivors } from './native-census';
import { findingIgnored, type Pattern } from './patterns';
import { beforeOwnFrames } from './stack';
import type { LeakFinding, SiteSurvivors } from './types';

/** Builds findings from decided survivors: pure functions of the measurement, no probing. */

export interface NativeDecision {
  site: NativeSiteSurvivors;
  status: SiteStatus;
}

/**
 * JS-object findings for growing sites. With a heap snapshot's explanation, one per type it named
 * (paired with the sampled site whose per-call count is closest); without, one per site.
 */
export function objectFindings(
  growing: SiteSurvivors[],
  callsMeasured: number,
  explained: ExplainedGroup[] | undefined,
  ignore: Pattern[],
): LeakFinding[] {
  const sampled = growing.map((s) => ({ site: s, countPerCall: sum(s.counts) / callsMeasured }));
  const siteOf = (s: SiteSurvivors): Pick<LeakFinding, 'site' | 'stack' | 'noJsFrame'> =>
    s.site === null ? { site: null, noJsFrame: true } : { site: s.site, stack: beforeOwnFrames(s.stack) };
  const kept = explained?.filter((g) => !findingIgnored({ name: g.name, site: null }, ignore)) ?? [];
  // The snapshot named what grew and the ignore option leaves all of it out: nothing to report.
  if (explained && explained.length > 0 && kept.length === 0) return [];
  if (kept.length > 0) {
    return kept.map((group) => {
      // The snapshot knows types, the sampler knows sites: pair each type with the site whose
      // per-call count is closest (exact when one site grows, the common case).
      const best = sampled.reduce((a, b) =>
        Math.abs(Math.log(b.countPerCall / group.countPerCall)) < Math.abs(Math.log(a.countPerCall / group.countPerCall)) ? b : a,
      ).site;
      return {
        kind: 'js-objects' as const,
        name: group.name,
        ...siteOf(best),
        count: group.countPerCall,
        bytes: group.bytesPerCall,
        per: 'call' as const,
        perRound: best.counts.map(round1),
        retainers: group.retainers,
      };
    });
  }
  return sampled.map(({ site: s, countPerCall }) => ({
    kind: 'js-objects' as const,
    name: null,
    ...siteOf(s),
    count: countPerCall,
    bytes: sum(s.bytes) / callsMeasured,
    per: 'call' as const,
    perRound: s.counts.map(round1),
  }));
}

/**
 * One finding per owning function (the innermost addon frame): a leaked LDAP result is several
 * blocks from several libldap stacks, all under the one function that forgot to free them.
 */
export function nativeFindings(decisions: NativeDecision[], callsMeasured: number): LeakFinding[] {
  const byOwner = new Map<string, NativeSiteSurvivors[]>();
  for (const { site } of decisions) {
    const key = nativeOwnerKey(site);
    byOwner.set(key, [...(byOwner.get(key) ?? []), site]);
  }
  return [...byOwner.values()].map((group) => {
    const sites = [...group].sort((a, b) => sum(b.bytes) - sum(a.bytes));
    return {
      kind: 'native' as const,
      name: null,
      site: nativeOwnerFrame(sites[0].stack) ?? null,
      count: sum(sites.map((s) => sum(s.counts))) / callsMeasured,
      bytes: sum(sites.map((s) => sum(s.bytes))) / callsMeasured,
      per: 'call' as const,
      perRound: sites[0].counts.map((_, round) => sum(sites.map((s) => s.counts[round]))),
      allocations: sites.map((s) => ({
        allocator: s.allocator,
        stack: s.stack,
        count: sum(s.counts) / callsMeasured,
        bytes: sum(s.bytes) / callsMeasured,
      })),
    };
  });
}

export function handleFindings(growth: Array<{ type: string; growth: number }>, callsMeasured: number, ignore: Pattern[]): LeakFinding[] {
  return growth
    .map(({ type, growth: n }) => ({
      kind: 'handles' as const,
      name: type,
      site: null,
      count: n / callsMeasured,
      bytes: 0,
      per: 'call' as const,
      perRound: [],
    }))
    .filter((f) => !findingIgnored(f, ignore));
}

/** Sites of a decision list with a given status, for the run summary. */
export function sitesWith(decisions: SiteDecision[], status: SiteStatus): SiteSurvivors[] {
  return decisions.filter((d) => d.status === status).map((d) => d.site);
}

export function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
