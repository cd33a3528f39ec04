'use strict';
// Latency summaries from raw per-search samples (microseconds).

/** Nearest-rank percentile of an ascending array. */
function percentile(ascending, p) {
  if (ascending.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * ascending.length);
  return ascending[Math.min(ascending.length, Math.max(1, rank)) - 1];
}

/**
 * { p50, p99, p999, max } in microseconds, and how many samples took 30 ms or more (a search that
 * waited for a delayed ACK or a Nagle-held segment shows up near 40 ms on Linux loopback).
 */
function summarize(latenciesUs) {
  const s = Float64Array.from(latenciesUs).sort();
  return {
    samples: s.length,
    p50Us: percentile(s, 50),
    p99Us: percentile(s, 99),
    p999Us: percentile(s, 99.9),
    maxUs: s.length ? s[s.length - 1] : NaN,
    over30ms: s.length - lowerBound(s, 30_000),
  };
}

function lowerBound(ascending, value) {
  let lo = 0;
  let hi = ascending.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ascending[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

module.exports = { percentile, summarize };
