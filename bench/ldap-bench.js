'use strict';
// The LDAP binding's throughput and resident memory, from bench/ldap-throughput (each run
// starts its own throwaway slapd and writes its raw results to bench/ldap-throughput/.tmp/).
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const DIR = path.join(__dirname, 'ldap-throughput');

function runAndRead(script, args, raw, log) {
  execFileSync(process.execPath, [path.join(DIR, script), ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, LDAPNOINIT: '1' },
  });
  const result = JSON.parse(fs.readFileSync(path.join(DIR, '.tmp', raw), 'utf8'));
  log(`  ${script}: ${Math.round(result.durationMs / 1000)} s`);
  return result;
}

function measureLdap({ quick = false, log = () => {} } = {}) {
  const throughput = runAndRead('run.js', quick ? ['--quick'] : [], 'last-run.json', log);
  const rss = runAndRead('rss.js', quick ? ['--quick'] : [], 'last-rss.json', log);
  // The per-repetition records are kept in bench/ldap-throughput/.tmp: the report needs the summary.
  return {
    settings: throughput.settings,
    summary: throughput.summary,
    goals: throughput.goals,
    durationMs: throughput.durationMs,
    rss: { ...rss, samples: undefined },
  };
}

module.exports = { measureLdap };
