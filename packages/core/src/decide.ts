import type { SiteSurvivors } from './types';

/**
 * The consistency rule (docs/noise-model.md). After warm-up, a site is
 * - `growing` when every round left at least half an (estimated) surviving object,
 * - `sporadic` when more than half the rounds did, but not all: a rare leak, or noise, to re-measure
 *   (JIT work lands in one or two early rounds; it must not cost a re-measurement every time),
 * - `quiet` otherwise: one-time work (JIT, lazy init, a cache filling, the last value kept).
 */
export type SiteStatus = 'growing' | 'sporadic' | 'quiet';

const POSITIVE = 0.5;

export function siteStatus(counts: number[]): SiteStatus {
  const positive = counts.filter((c) => c >= POSITIVE).length;
  if (counts.length > 0 && positive === counts.length) return 'growing';
  return positive > counts.length / 2 ? 'sporadic' : 'quiet';
}

export interface SiteDecision {
  site: SiteSurvivors;
  status: SiteStatus;
}

export function decideSites(sites: SiteSurvivors[]): SiteDecision[] {
  return sites.map((site) => ({ site, status: siteStatus(site.counts) }));
}

/** Handles: a type leaks when it grew by at least one per round and stayed open after settling. */
export function growingHandleTypes(
  before: Map<string, number>,
  after: Map<string, number>,
  rounds: number,
): Array<{ type: string; growth: number }> {
  const grown: Array<{ type: string; growth: number }> = [];
  for (const [type, count] of after) {
    const growth = count - (before.get(type) ?? 0);
    if (growth >= rounds) grown.push({ type, growth });
  }
  return grown;
}

/**
 * Handles of a run read after its horizon: a type leaks when it grew by at least one per round in
 * the rounds and nothing of that was closed by the end of the horizon (whose own calls may open more).
 */
export function persistentHandleTypes(
  before: Map<string, number>,
  atRoundsEnd: Map<string, number>,
  after: Map<string, number>,
  rounds: number,
): Array<{ type: string; growth: number }> {
  const inRounds = new Map(growingHandleTypes(before, atRoundsEnd, rounds).map((g) => [g.type, g.growth]));
  return growingHandleTypes(before, after, rounds)
    .filter((g) => g.growth >= (inRounds.get(g.type) ?? Infinity))
    .map((g) => ({ type: g.type, growth: inRounds.get(g.type)! }));
}
