'use strict';
// What the tracker's benchmark scripts share: their command line, the median, and the check that
// tracking can run here at all (a benchmark of nothing would print meaningless figures).
const tracker = require('..');

const args = process.argv.slice(2);

/** The number after `--name`, or `fallback`. */
function option(name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** The text after `--name`, or `fallback`. */
function textOption(name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Exits with the reason when native tracking is unavailable on this machine. */
function requireTracking() {
  const status = tracker.nativeTrackingStatus();
  if (!status.available) {
    console.error(`native tracking unavailable: ${status.reason}`);
    process.exit(1);
  }
}

module.exports = { args, option, textOption, median, requireTracking };
