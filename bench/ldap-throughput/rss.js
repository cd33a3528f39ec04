#!/usr/bin/env node
'use strict';
// Resident memory flatness of @leakproof/ldap over many searches, against a throwaway slapd.
//
//   node bench/ldap-throughput/rss.js [--quick] [--searches N] [--inflight K] [--warmup W] [--no-pin]
//
// N one-entry subtree searches ((uid=ada) under the baseDN, bound as the admin; default 1,000,000,
// 100,000 with --quick) on one connection, K in flight (default 100: a sliding window; 1 = one
// after another), after W warm-up searches (default 50,000, 10,000 with --quick). The process's
// RSS, V8 heap used and external memory are sampled at 0%, 10%, ..., 100% of N, each after a full
// GC (so the sample is not a random point of the young generation's cycle); heap is shown as
// used/committed (V8 grows its committed young generation under allocation pressure, which RSS sees). Reports first-vs-last
// RSS change (goal: within ±5%) and the largest deviation from the first sample.
// V8 sizes its young generation to the allocation rate (heapTotal here went 13 -> 21 -> 37 MiB
// within 150,000 searches with the defaults, heap used flat at 4.4 MiB), which RSS sees as growth
// that is neither the binding's nor a leak. So the script re-runs itself with the young generation
// pinned (--min-semi-space-size=16 --max-semi-space-size=16, V8's 64-bit default maximum);
// --no-pin keeps V8's defaults. Each sample also reports RSS minus V8's committed heap.
// Output: progress on stderr, JSON on stdout, and bench/ldap-throughput/.tmp/last-rss.json.
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');
const vm = require('node:vm');
const { formatMs } = require('../lib/stats');
const { machine } = require('../lib/machine');

const { spawnSync } = require('node:child_process');

const PIN_FLAGS = ['--min-semi-space-size=16', '--max-semi-space-size=16'];
if (!process.argv.includes('--no-pin') && !process.execArgv.includes(PIN_FLAGS[0])) {
  const child = spawnSync(process.execPath, [...process.execArgv, ...PIN_FLAGS, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(child.status ?? 1);
}

const RAW = path.join(__dirname, '.tmp', 'last-rss.json');
const GOAL_PCT = 5;

v8.setFlagsFromString('--expose-gc');
const gc = global.gc ?? vm.runInNewContext('gc');

function settings(argv) {
  const value = (name, fallback) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1].replace(/[_,]/g, '')) : fallback;
  };
  const quick = argv.includes('--quick');
  const s = {
    quick,
    searches: value('--searches', quick ? 100_000 : 1_000_000),
    inflight: value('--inflight', 100),
    warmup: value('--warmup', quick ? 10_000 : 50_000),
  };
  const pinned = process.execArgv.includes(PIN_FLAGS[0]);
  for (const [k, v] of Object.entries(s))
    if (k !== 'quick' && !(Number.isInteger(v) && v >= (k === 'warmup' ? 0 : 1))) throw new Error(`bad --${k}: ${v}`);
  return { ...s, youngGeneration: pinned ? `pinned: ${PIN_FLAGS.join(' ')}` : 'V8 defaults (--no-pin)' };
}

const log = (line) => process.stderr.write(`${line}\n`);
const MiB = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Runs `count` searches with up to `inflight` in flight; each must return exactly one entry. */
async function searches(search, count, inflight) {
  let issued = 0;
  const loop = async () => {
    while (issued < count) {
      issued++;
      const { entries } = await search();
      if (entries.length !== 1) throw new Error(`expected 1 entry, got ${entries.length}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inflight, count) }, loop));
}

function sample(done, startedAt) {
  gc();
  gc();
  const m = process.memoryUsage();
  return {
    searches: done,
    atMs: Math.round(performance.now() - startedAt),
    rssMiB: MiB(m.rss),
    heapTotalMiB: MiB(m.heapTotal),
    heapUsedMiB: MiB(m.heapUsed),
    externalMiB: MiB(m.external),
    rssOutsideHeapMiB: MiB(m.rss - m.heapTotal),
  };
}

async function main() {
  const s = settings(process.argv.slice(2));
  const started = performance.now();
  const { startLdapServer } = require('@leakproof/ldap-fixtures');
  const { Client } = require('@leakproof/ldap');
  process.env.LDAPNOINIT = '1'; // libldap in this process: ignore the machine's ldap.conf
  const server = await startLdapServer({ kind: 'slapd' });
  const result = { machine: machine(), settings: s };
  try {
    const client = new Client({ url: server.url });
    await client.bind(server.bindDN, server.password);
    const options = { scope: 'sub', filter: '(uid=ada)' };
    const search = () => client.search(server.baseDN, options);
    log(
      `rss: ${s.warmup} warm-up searches, then ${s.searches} searches, ${s.inflight} in flight, against slapd at ${server.url}; young generation ${s.youngGeneration}`,
    );
    await searches(search, s.warmup, s.inflight);
    const t0 = performance.now();
    const samples = [sample(0, t0)];
    log(
      `  0%  rss ${samples[0].rssMiB} MiB  heap ${samples[0].heapUsedMiB}/${samples[0].heapTotalMiB} MiB  external ${samples[0].externalMiB} MiB  rss-heap ${samples[0].rssOutsideHeapMiB} MiB`,
    );
    for (let step = 1; step <= 10; step++) {
      const target = Math.round((s.searches * step) / 10);
      await searches(search, target - samples[samples.length - 1].searches, s.inflight);
      const x = sample(target, t0);
      samples.push(x);
      log(
        `  ${step * 10}%  rss ${x.rssMiB} MiB  heap ${x.heapUsedMiB}/${x.heapTotalMiB} MiB  external ${x.externalMiB} MiB  rss-heap ${x.rssOutsideHeapMiB} MiB  (${formatMs(x.atMs)})`,
      );
    }
    await client.unbind();
    const first = samples[0];
    const last = samples[samples.length - 1];
    const changePct = (100 * (last.rssMiB - first.rssMiB)) / first.rssMiB;
    const maxDeviationPct = Math.max(...samples.map((x) => Math.abs((100 * (x.rssMiB - first.rssMiB)) / first.rssMiB)));
    const timedMs = performance.now() - t0;
    const outside = (100 * (last.rssOutsideHeapMiB - first.rssOutsideHeapMiB)) / first.rssOutsideHeapMiB;
    Object.assign(result, {
      samples,
      rssChangePct: Math.round(changePct * 100) / 100,
      rssMaxDeviationPct: Math.round(maxDeviationPct * 100) / 100,
      rssOutsideHeapChangePct: Math.round(outside * 100) / 100,
      heapChangeMiB: Math.round((last.heapUsedMiB - first.heapUsedMiB) * 10) / 10,
      searchesPerSecond: Math.round((1000 * s.searches) / timedMs),
      goal: `RSS first vs last within ±${GOAL_PCT}%`,
      met: Math.abs(changePct) <= GOAL_PCT,
    });
  } finally {
    await server.stop();
  }
  result.durationMs = Math.round(performance.now() - started);
  fs.mkdirSync(path.dirname(RAW), { recursive: true });
  fs.writeFileSync(RAW, JSON.stringify(result, null, 2));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  log(
    `rss: ${result.samples[0].rssMiB} -> ${result.samples.at(-1).rssMiB} MiB (${result.rssChangePct >= 0 ? '+' : ''}${result.rssChangePct}%, ` +
      `max deviation ${result.rssMaxDeviationPct}%; outside V8's heap ${result.rssOutsideHeapChangePct}%): ${result.met ? 'met' : 'missed'}; ${result.searchesPerSecond}/s; done in ${formatMs(result.durationMs)}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
