'use strict';
// Small statistics helpers for the benchmark report.

function sorted(values) {
  return [...values].sort((a, b) => a - b);
}

function median(values) {
  if (values.length === 0) return NaN;
  const s = sorted(values);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function min(values) {
  return values.length ? Math.min(...values) : NaN;
}

function max(values) {
  return values.length ? Math.max(...values) : NaN;
}

/**
 * Median of runs that may have been stopped at a cap (censored: "took longer than cap").
 * Returns { value, censored: true } when the middle run itself hit the cap.
 */
function censoredMedian(runs, cap) {
  const values = sorted(runs.map((r) => (r.capped ? Infinity : r.ms)));
  const m = median(values);
  return Number.isFinite(m) ? { value: m, censored: false } : { value: cap, censored: true };
}

function formatMs(ms) {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.round(ms)} ms`;
}

module.exports = { median, min, max, censoredMedian, formatMs };
