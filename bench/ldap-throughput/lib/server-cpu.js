'use strict';
// The LDAP server's CPU time, read by the client children around their timed part, so that a
// client's figures also say what it costs the server (slapd shares the machine's cores with it).
const fs = require('node:fs');

/** Environment variable run.js sets in every child: the server's pid. */
const SERVER_PID_ENV = 'LEAKPROOF_BENCH_SERVER_PID';
const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux, whatever the kernel's HZ

/** utime + stime of the process (all its threads) in ms from /proc/PID/stat, or -1 if unknown. */
function processCpuMs(pid = process.env[SERVER_PID_ENV]) {
  if (!pid) return -1;
  let stat;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return -1;
  }
  // Fields after the command name, which may itself contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND : -1;
}

module.exports = { SERVER_PID_ENV, processCpuMs };
