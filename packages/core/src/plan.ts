/**
 * How a measurement spends its time budget on a function of a given cost (docs/noise-model.md,
 * "Slow functions"). Pure arithmetic on measured costs: no probing here.
 *
 * The budget is shared out so that a leak can still be confirmed and explained in it: the first
 * run of rounds takes at most DETECT_SHARE of what is left after the warm-up, a confirming run at
 * most CONFIRM_SHARE, its horizon calls at most HORIZON_SHARE.
 */
export const WARMUP_SHARE = 0.1;
export const DETECT_SHARE = 0.15;
export const CONFIRM_SHARE = 0.25;
export const HORIZON_SHARE = 0.15;
/** When the host explains a leak after the test function, the time kept for the snapshot goes to the horizon. */
export const HORIZON_SHARE_EXPLAINED_LATER = 0.3;

export interface CostModel {
  /** What one call of fn costs, measured on the last warm-up calls (sampling on: a bit more). */
  msPerCall: number;
  /** What one settle (GCs and turns until the heap stops moving) cost, or an estimate. */
  settleMs: number;
}

/**
 * Calls per round that fit `share` of `leftMs` at `rounds` rounds, at most `wanted`, at least 1.
 * Returns 0 when not even one call per round fits: no verdict is possible in this budget.
 */
export function callsPerRoundWithin(wanted: number, rounds: number, leftMs: number, share: number, cost: CostModel): number {
  const forCalls = leftMs * share - cost.settleMs;
  if (forCalls < rounds * cost.msPerCall) return 0;
  return Math.max(1, Math.min(wanted, Math.floor(forCalls / (rounds * cost.msPerCall))));
}

/** Calls of the horizon (after the rounds, before the read) that fit `share` of `leftMs`, at most `wanted`. */
export function horizonCallsWithin(wanted: number, leftMs: number, share: number, cost: CostModel): number {
  return Math.max(0, Math.min(wanted, Math.floor((leftMs * share) / Math.max(cost.msPerCall, 0.0001))));
}

/** The smallest timeout (ms) in which a function of this cost can get a verdict: warm-up, two runs of one call per round, settles. */
export function minimumTimeoutMs(rounds: number, cost: CostModel): number {
  const detect = (rounds * cost.msPerCall + cost.settleMs) / DETECT_SHARE;
  return Math.ceil(Math.max(detect, (2 * cost.msPerCall) / WARMUP_SHARE) / 100) * 100;
}
