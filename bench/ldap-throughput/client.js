'use strict';
// One client, one mode, one repetition of bench/ldap-throughput/run.js, in its own process so that
// one client's GC and JIT do not disturb another's figures.
//   node client.js '{"client":"binding"|"ldapjs"|"ldapts"|"floor","bindingDir"?:...,"url":...,"bindDN":...,"password":...,
//                    "base":...,"filter":...,"mode":"seq"|"par","inflight":100,"warmupMs":...,"durationMs":...}'
// Connects, binds as the admin, warms up in the same mode, then runs the mode for durationMs and
// (bindingDir, optional: where to load @leakproof/ldap from; run.js passes its snapshot of the build.)
// reports {type:'result', searches, elapsedMs, cpuMs, voluntarySwitches, serverCpuMs, latenciesUs} as one marked line (bench/lib/child-protocol.js).
// `seq`: one search in flight. `par`: a sliding window of `inflight` searches (that many async loops,
// each issuing its next search as soon as its previous one settles), drained at the end.
const { send } = require('../lib/child-protocol');
const { openClient } = require('./lib/clients');
const { processCpuMs } = require('./lib/server-cpu');

const MAX_SAMPLES = 4_000_000;

async function run(search, { mode, inflight, durationMs }, samples) {
  let n = 0;
  let failure;
  const started = performance.now();
  const until = started + durationMs;
  const loop = async () => {
    while (failure === undefined && performance.now() < until) {
      const t0 = performance.now();
      const entries = await search();
      const t1 = performance.now();
      if (entries !== 1) throw new Error(`expected 1 entry, got ${entries}`);
      if (samples && n < MAX_SAMPLES) samples[n] = (t1 - t0) * 1000;
      n++;
    }
  };
  if (mode === 'seq') {
    await loop();
  } else {
    await Promise.all(Array.from({ length: inflight }, () => loop().catch((error) => (failure ??= error))));
    if (failure !== undefined) throw failure;
  }
  return { searches: n, elapsedMs: performance.now() - started };
}

async function main() {
  const p = JSON.parse(process.argv[2]);
  const client = await openClient(p.client, p);
  await run(client.search, { ...p, durationMs: p.warmupMs }, null);
  const samples = new Float64Array(MAX_SAMPLES);
  const server0 = processCpuMs();
  const cpu0 = process.cpuUsage();
  const switches0 = process.resourceUsage().voluntaryContextSwitches;
  const { searches, elapsedMs } = await run(client.search, p, samples);
  const cpu = process.cpuUsage(cpu0);
  const switches = process.resourceUsage().voluntaryContextSwitches - switches0;
  const server1 = processCpuMs();
  await client.close();
  send({
    type: 'result',
    searches,
    elapsedMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    voluntarySwitches: switches,
    serverCpuMs: server0 < 0 || server1 < 0 ? -1 : server1 - server0,
    latenciesUs: Array.from(samples.subarray(0, Math.min(searches, MAX_SAMPLES)), (v) => Math.round(v * 10) / 10),
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
