#!/usr/bin/env node
'use strict';
// LDAP search throughput and latency: @leakproof/ldap against ldapjs's client, ldapts and a plain C
// loop over libldap (the ceiling of what libldap gives), all against ONE throwaway slapd started here.
//
//   node bench/ldap-throughput/run.js [--quick] [--reps N] [--duration MS] [--warmup MS]
//                                     [--inflight K] [--clients binding,ldapjs,ldapts,c[,floor]] [--base DN]
//
// The search: one-entry subtree search, filter (uid=ada), base the directory's baseDN, all user
// attributes, on one connection bound as the admin. Two modes:
//   seq  one search in flight: searches/s and per-search latency p50/p99;
//   par  a sliding window of K (100) searches in flight: searches/s and per-search latency p50/p99.
// Every (client, mode, repetition) is a fresh child process (client.js, or the compiled c-loop.c),
// which connects, binds, warms up in the same mode for --warmup ms, then runs --duration ms.
// Within a repetition the clients run one after another in an order rotated every repetition, so
// machine noise hits every client alike; the figures reported are medians over the repetitions.
// Output: progress on stderr; the summary as JSON on stdout, then a markdown table; everything,
// per repetition, in bench/ldap-throughput/.tmp/last-run.json.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { machine } = require('../lib/machine');
const { median, formatMs } = require('../lib/stats');
const { MARK } = require('../lib/child-protocol');
const { summarize } = require('./lib/latency');
const { SERVER_PID_ENV } = require('./lib/server-cpu');

const ROOT = path.resolve(__dirname, '../..');
const RAW = path.join(__dirname, '.tmp', 'last-run.json');
const DEFAULT_CLIENTS = ['binding', 'ldapjs', 'ldapts', 'c'];
// `floor` (opt-in, sequential only): no LDAP library, a pre-encoded request on a raw socket
// (lib/clients.js): the cost of a round trip through Node's event loop, the floor of any Node client.
const ALL_CLIENTS = [...DEFAULT_CLIENTS, 'floor'];
const LABELS = {
  binding: '@leakproof/ldap',
  ldapjs: 'ldapjs 3.0.7 client',
  ldapts: 'ldapts 8.2.0',
  c: 'C loop over libldap',
  floor: 'Node floor (raw socket, no decoding)',
};
const GOAL_SEQ_VS_C = 0.9;

function settings(argv) {
  const value = (name, fallback) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
  };
  const quick = argv.includes('--quick');
  const s = {
    quick,
    reps: Number(value('--reps', quick ? 2 : 5)),
    durationMs: Number(value('--duration', quick ? 1000 : 2000)),
    warmupMs: Number(value('--warmup', quick ? 300 : 1000)),
    inflight: Number(value('--inflight', 100)),
    clients: value('--clients', DEFAULT_CLIENTS.join(',')).split(','),
    base: value('--base', undefined),
    filter: '(uid=ada)',
  };
  for (const c of s.clients)
    if (!ALL_CLIENTS.includes(c)) throw new Error(`--clients: unknown client ${c} (known: ${ALL_CLIENTS.join(', ')})`);
  for (const k of ['reps', 'durationMs', 'warmupMs', 'inflight']) {
    if (!Number.isInteger(s[k]) || s[k] < (k === 'warmupMs' ? 0 : 1)) throw new Error(`bad value for ${k}: ${s[k]}`);
  }
  return s;
}

const log = (line) => process.stderr.write(`${line}\n`);

/** Builds the workspace when the binding is not built yet (it lives in packages/ldap). */
function ensureBinding() {
  const dist = path.join(ROOT, 'packages/ldap/dist/index.js');
  const addon = path.join(ROOT, 'packages/ldap/build/Release/leakproof_ldap.node');
  if (fs.existsSync(dist) && fs.existsSync(addon)) return false;
  log('packages/ldap is not built: running `npm run build` at the root');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] });
  return true;
}

/**
 * Copies the built binding (package.json, dist/, build/Release/leakproof_ldap.node, same layout)
 * into `dir` (inside the repository, so that its dependencies still resolve), so every repetition measures the same build even if packages/ldap is rebuilt while
 * the benchmark runs (seen: the addon vanished mid-run during someone's `npm run build`). Waits
 * for a build in progress: the addon must exist and be unchanged for 2 s.
 */
async function snapshotBinding(dir) {
  const pkg = path.join(ROOT, 'packages/ldap');
  const addon = path.join(pkg, 'build/Release/leakproof_ldap.node');
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    const before = fs.existsSync(addon) && fs.statSync(addon).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = fs.existsSync(addon) && fs.statSync(addon).mtimeMs;
    if (before && before === after && fs.existsSync(path.join(pkg, 'dist/index.js'))) break;
    if (Date.now() > deadline) throw new Error(`${addon} missing or still changing after 5 minutes`);
    log('  waiting for packages/ldap to finish building');
  }
  const target = path.join(dir, 'ldap');
  fs.mkdirSync(path.join(target, 'build/Release'), { recursive: true });
  fs.copyFileSync(path.join(pkg, 'package.json'), path.join(target, 'package.json'));
  fs.cpSync(path.join(pkg, 'dist'), path.join(target, 'dist'), { recursive: true });
  fs.copyFileSync(addon, path.join(target, 'build/Release/leakproof_ldap.node'));
  const sha256 = require('node:crypto').createHash('sha256').update(fs.readFileSync(addon)).digest('hex').slice(0, 16);
  return { dir: target, addonMtime: new Date(fs.statSync(addon).mtimeMs).toISOString(), addonSha256: sha256 };
}

function compileCLoop(dir) {
  const exe = path.join(dir, 'c-loop');
  execFileSync('cc', ['-O2', '-Wall', '-o', exe, path.join(__dirname, 'c-loop.c'), '-lldap', '-llber'], {
    stdio: ['ignore', 'inherit', process.stderr],
  });
  return exe;
}

/** Runs a child to completion; resolves to its marked `result` message. */
function runChild(file, args, { capMs, serverPid }) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: { ...process.env, LDAPNOINIT: '1', [SERVER_PID_ENV]: String(serverPid ?? '') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = [];
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), capMs);
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-10_000)));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = Buffer.concat(out)
        .toString()
        .split('\n')
        .find((l) => l.startsWith(MARK));
      if (code !== 0 || !line) {
        reject(new Error(`${path.basename(file)} ${args.slice(0, 1).join(' ')} failed (code ${code}, signal ${signal}): ${stderr.trim()}`));
      } else resolve(JSON.parse(line.slice(MARK.length)));
    });
  });
}

async function measure(client, mode, ctx) {
  const { s, server, cExe } = ctx;
  const capMs = s.warmupMs + s.durationMs + 60_000;
  const serverPid = server.pid;
  const raw =
    client === 'c'
      ? await runChild(
          cExe,
          [
            server.url,
            server.bindDN,
            server.password,
            ctx.base,
            s.filter,
            mode,
            String(s.inflight),
            String(s.warmupMs),
            String(s.durationMs),
          ],
          { capMs, serverPid },
        )
      : await runChild(
          process.execPath,
          [
            path.join(__dirname, 'client.js'),
            JSON.stringify({
              client,
              bindingDir: ctx.bindingDir,
              url: server.url,
              bindDN: server.bindDN,
              password: server.password,
              base: ctx.base,
              filter: s.filter,
              mode,
              inflight: s.inflight,
              warmupMs: s.warmupMs,
              durationMs: s.durationMs,
            }),
          ],
          { capMs, serverPid },
        );
  return {
    searches: raw.searches,
    elapsedMs: raw.elapsedMs,
    perSecond: (1000 * raw.searches) / raw.elapsedMs,
    // The client process's own CPU time per search (user + system): less sensitive to what else
    // runs on the machine than searches/s, since time waiting for the CPU is not counted.
    cpuUsPerSearch: (1000 * raw.cpuMs) / raw.searches,
    // Times the process blocked (voluntary context switches, all its threads) per search: the
    // wake-ups a search costs; 1 in sequential mode is the minimum (one wait for the answer).
    wakeupsPerSearch: raw.voluntarySwitches / raw.searches,
    // What this client's searches cost slapd (all its threads) over the same timed part.
    serverCpuUsPerSearch: raw.serverCpuMs >= 0 ? (1000 * raw.serverCpuMs) / raw.searches : NaN,
    ...summarize(raw.latenciesUs),
    ...(raw.rssMiB !== undefined ? { rssMiB: raw.rssMiB } : {}),
  };
}

function aggregate(runs) {
  if (runs.length === 0) return null;
  const pick = (k) => runs.map((r) => r[k]);
  return {
    perSecond: median(pick('perSecond')),
    perSecondRange: [Math.min(...pick('perSecond')), Math.max(...pick('perSecond'))],
    cpuUsPerSearch: median(pick('cpuUsPerSearch')),
    wakeupsPerSearch: median(pick('wakeupsPerSearch')),
    serverCpuUsPerSearch: median(pick('serverCpuUsPerSearch')),
    p50Us: median(pick('p50Us')),
    p99Us: median(pick('p99Us')),
    p999Us: median(pick('p999Us')),
    maxUs: Math.max(...pick('maxUs')),
    over30ms: pick('over30ms').reduce((a, b) => a + b, 0),
    samples: pick('samples').reduce((a, b) => a + b, 0),
    reps: runs.length,
  };
}

const rate = (x) =>
  !Number.isFinite(x) ? 'n/a' : x >= 10_000 ? `${(x / 1000).toFixed(1)}k` : x >= 1000 ? `${(x / 1000).toFixed(2)}k` : x.toFixed(0);
const lat = (us) =>
  !Number.isFinite(us)
    ? 'n/a'
    : us >= 10_000
      ? `${(us / 1000).toFixed(0)} ms`
      : us >= 1000
        ? `${(us / 1000).toFixed(1)} ms`
        : `${Math.round(us)} µs`;
const pct = (x) => (Number.isFinite(x) ? `${Math.round(100 * x)}%` : 'n/a');

function goals(summary) {
  const b = summary.binding;
  if (!b) return [];
  const out = [];
  for (const mode of ['seq', 'par']) {
    for (const js of ['ldapjs', 'ldapts']) {
      if (!summary[js]) continue;
      out.push({
        goal: `${mode === 'seq' ? 'sequential' : 'in flight'}: binding beats ${js}`,
        binding: b[mode].perSecond,
        other: summary[js][mode].perSecond,
        met: b[mode].perSecond > summary[js][mode].perSecond,
      });
    }
  }
  if (summary.c) {
    const ratio = b.seq.perSecond / summary.c.seq.perSecond;
    out.push({
      goal: `sequential: binding >= ${GOAL_SEQ_VS_C * 100}% of the C loop`,
      binding: b.seq.perSecond,
      other: summary.c.seq.perSecond,
      ratio,
      pairedRatio: b.seq.pairedVsC,
      met: ratio >= GOAL_SEQ_VS_C,
    });
  }
  return out;
}

function markdown(summary, s, results) {
  const c = summary.c;
  const headers = [
    'client',
    'seq/s',
    'seq p50',
    'seq p99',
    `${s.inflight} in flight/s`,
    `${s.inflight}-if p50`,
    `${s.inflight}-if p99`,
    'seq vs C (paired)',
    `${s.inflight}-if vs C (paired)`,
    'CPU/search seq',
    `CPU/search ${s.inflight}-if`,
    'slapd CPU/search seq',
    `slapd CPU/search ${s.inflight}-if`,
  ];
  const line = (cells) => `| ${cells.join(' | ')} |`;
  const none = { perSecond: NaN, p50Us: NaN, p99Us: NaN, cpuUsPerSearch: NaN, serverCpuUsPerSearch: NaN, pairedVsC: NaN };
  const rows = Object.entries(summary)
    .map(([client, { seq, par }]) => ({ client, m: { seq: seq ?? none, par: par ?? none } }))
    .map(({ client, m }) =>
      line([
        LABELS[client],
        rate(m.seq.perSecond),
        lat(m.seq.p50Us),
        lat(m.seq.p99Us),
        rate(m.par.perSecond),
        lat(m.par.p50Us),
        lat(m.par.p99Us),
        c ? `${pct(m.seq.perSecond / c.seq.perSecond)} (${pct(m.seq.pairedVsC)})` : 'n/a',
        c ? `${pct(m.par.perSecond / c.par.perSecond)} (${pct(m.par.pairedVsC)})` : 'n/a',
        lat(m.seq.cpuUsPerSearch),
        lat(m.par.cpuUsPerSearch),
        lat(m.seq.serverCpuUsPerSearch),
        lat(m.par.serverCpuUsPerSearch),
      ]),
    );
  const g = results.goals.map(
    (x) =>
      `- ${x.goal}: ${rate(x.binding)}/s vs ${rate(x.other)}/s${x.ratio !== undefined ? ` (${pct(x.ratio)}; paired per repetition: ${pct(x.pairedRatio)})` : ''}: **${x.met ? 'met' : 'missed'}**`,
  );
  return [
    `One-entry subtree search \`${s.filter}\` under \`${results.base}\`, all user attributes, one connection, bound as the admin, ` +
      `against one throwaway slapd ${results.slapdVersion ?? ''}on 127.0.0.1. Medians of ${s.reps} repetition${s.reps === 1 ? '' : 's'} × ${formatMs(s.durationMs)} per client and mode ` +
      `(each a fresh process, ${formatMs(s.warmupMs)} warm-up; clients interleaved, order rotated per repetition). ` +
      `Ratios vs C: of the medians, and in parentheses the median over repetitions of the ratio within each repetition. ` +
      `Latency: per search, issue to settled result, nearest-rank percentiles. CPU/search: the client process's user + system CPU time ` +
      `divided by its searches; slapd CPU/search: slapd's (all threads) over the same timed part. ${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node}, ` +
      `load ${results.machine.loadBefore} before / ${results.machine.loadAfter} after.`,
    '',
    line(headers),
    line(headers.map(() => '---')),
    ...rows,
    '',
    ...g,
  ].join('\n');
}

function slapdVersion() {
  for (const bin of ['/usr/sbin/slapd', 'slapd']) {
    try {
      const out = execFileSync(bin, ['-VV'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const m = /slapd (\d+\.\d+\.\d+)/.exec(out);
      if (m) return m[1];
    } catch (error) {
      const m = /slapd (\d+\.\d+\.\d+)/.exec(`${error.stderr ?? ''}${error.stdout ?? ''}`);
      if (m) return m[1];
    }
  }
  return undefined;
}

async function main() {
  const s = settings(process.argv.slice(2));
  const started = performance.now();
  const results = { machine: machine(), settings: s };
  if (s.clients.includes('binding')) results.builtBinding = ensureBinding();
  const { startLdapServer } = require('@leakproof/ldap-fixtures');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakproof-ldap-throughput-'));
  let server;
  const cleanup = [];
  try {
    const cExe = s.clients.includes('c') ? compileCLoop(tmp) : undefined;
    const snapshotDir = path.join(__dirname, '.tmp', `binding-${process.pid}`);
    cleanup.push(() => fs.rmSync(snapshotDir, { recursive: true, force: true }));
    const binding = s.clients.includes('binding') ? await snapshotBinding(snapshotDir) : undefined;
    if (binding) results.binding = { addonMtime: binding.addonMtime, addonSha256: binding.addonSha256 };
    server = await startLdapServer({ kind: 'slapd' });
    const v = slapdVersion();
    results.slapdVersion = v ? `${v} ` : undefined;
    const ctx = { s, server, cExe, bindingDir: binding?.dir, base: s.base ?? server.baseDN };
    results.base = ctx.base;
    log(
      `ldap-throughput: ${s.clients.join(', ')} against slapd at ${server.url} (started in ${formatMs(server.startupMs)}); ` +
        `${s.reps} reps × ${s.durationMs} ms (+${s.warmupMs} ms warm-up) per client and mode; ${results.machine.cpu} × ${results.machine.cores}, load ${results.machine.loadBefore}`,
    );
    const runs = Object.fromEntries(s.clients.map((c) => [c, { seq: [], par: [] }]));
    for (let rep = 0; rep < s.reps; rep++) {
      const order = s.clients.map((_, i) => s.clients[(i + rep) % s.clients.length]);
      for (const mode of ['seq', 'par']) {
        for (const client of order) {
          if (client === 'floor' && mode === 'par') continue; // one request at a time by design
          const r = await measure(client, mode, ctx);
          runs[client][mode].push(r);
          log(
            `  rep ${rep + 1}/${s.reps} ${mode} ${client.padEnd(7)} ${rate(r.perSecond).padStart(6)}/s  p50 ${lat(r.p50Us)}  p99 ${lat(r.p99Us)}  max ${lat(r.maxUs)}  cpu ${lat(r.cpuUsPerSearch)}/search  slapd ${lat(r.serverCpuUsPerSearch)}/search  ${r.wakeupsPerSearch.toFixed(2)} wake-ups/search` +
              (r.over30ms ? `  (${r.over30ms} ≥ 30 ms)` : ''),
          );
        }
      }
    }
    const summary = Object.fromEntries(s.clients.map((c) => [c, { seq: aggregate(runs[c].seq), par: aggregate(runs[c].par) }]));
    if (runs.c) {
      // Paired ratios: this client's searches/s over the C loop's in the same repetition, median
      // over repetitions. Less sensitive than the ratio of medians to load that changes between
      // repetitions (other work on the machine), since both runs of a pair saw similar load.
      for (const c of s.clients) {
        for (const mode of ['seq', 'par']) {
          if (!summary[c][mode]) continue;
          const ratios = runs[c][mode].map((r, i) => r.perSecond / runs.c[mode][i].perSecond);
          summary[c][mode].pairedVsC = median(ratios);
          summary[c][mode].pairedVsCAll = ratios.map((x) => Math.round(x * 1000) / 1000);
        }
      }
    }
    results.summary = summary;
    results.goals = goals(summary);
    results.runs = runs;
  } finally {
    if (server) await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
    for (const undo of cleanup) undo();
  }
  results.durationMs = performance.now() - started;
  results.machine.loadAfter = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  fs.mkdirSync(path.dirname(RAW), { recursive: true });
  fs.writeFileSync(RAW, JSON.stringify(results, null, 2));
  const { runs: _runs, ...shown } = results;
  process.stdout.write(`${JSON.stringify(shown, null, 2)}\n\n`);
  process.stdout.write(`${markdown(results.summary, s, results)}\n`);
  log(`ldap-throughput: done in ${formatMs(results.durationMs)} (raw results: ${path.relative(process.cwd(), RAW)})`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
