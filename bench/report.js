'use strict';
// Writes docs/benchmarks.md from one run's measurements. Every figure in it comes from `results`.
const { formatMs } = require('./lib/stats');

const GOALS = { clean20: 300, clean90: 1000, jestRatio: 1.3 };

function table(headers, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

const pct = (part, whole) => `${Math.round((100 * part) / whole)}%`;
const ratio = (x) => (x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(3));
const met = (ok) => (ok ? '**met**' : '**missed**');

function caseById(verdict, id) {
  return verdict.cases.find((c) => c.id === id);
}

function shownMedian(c) {
  return c.censored ? `> ${formatMs(c.median)}` : formatMs(c.median);
}

function range(c) {
  const done = c.all.filter((v) => v !== null);
  const capped = c.all.length - done.length;
  const parts = [];
  if (done.length) parts.push(`${formatMs(Math.min(...done))} – ${formatMs(Math.max(...done))}`);
  if (capped) parts.push(`${capped} capped`);
  return parts.join(', ');
}

function goalsSection(r) {
  const rows = [];
  for (const [heap, goal] of [
    [20, GOALS.clean20],
    [90, GOALS.clean90],
  ]) {
    const c = caseById(r.verdict, `leakproof-clean-${heap}`);
    rows.push([
      `clean verdict, ${heap} MB heap: median ≤ ${formatMs(goal)}`,
      `first verdict of a process: ${formatMs(c.median)} (n=${c.reps}); later verdicts: ${formatMs(c.warmMedian)} (n=${c.warmCount})`,
      `first: ${met(c.median <= goal)}; later: ${met(c.warmMedian <= goal)}`,
    ]);
  }
  const j = jestRatios(r.jest);
  rows.push([
    `Jest environment: wall time ≤ ${GOALS.jestRatio}x jest-environment-node`,
    `${ratio(j.ratio)}x (${formatMs(j.leakproof.wallMedian)} vs ${formatMs(j.node.wallMedian)}, n=${j.leakproof.runs} each)`,
    met(j.ratio <= GOALS.jestRatio),
  ]);
  if (r.native) {
    const pair = (mode) => r.native.pairs.results.find((x) => x.mode === mode);
    const counting = pair('counting');
    const cold = pair('stacks 8, cold');
    if (counting)
      rows.push([
        'native tracking, per malloc/free pair, counting only: ≤ +100 ns',
        `+${counting.addedNs} ns`,
        met(counting.addedNs <= 100),
      ]);
    if (cold)
      rows.push([
        'native tracking, per pair, with stack capture: ≤ +2 µs',
        `+${cold.addedNs} ns (cold depth-8 stack; memoised call paths: +${pair('stacks 8, same path')?.addedNs} ns)`,
        met(cold.addedNs <= 2000),
      ]);
    const heavy = (passes, mode) => r.native.heavy.results.find((x) => x.passes === passes && x.mode === mode);
    for (const passes of [0, 1]) {
      const stacks = heavy(passes, 'stacks, depth 8');
      if (!stacks) continue;
      rows.push([
        `malloc-heavy addon call (1000 allocations${passes ? ', each block used once' : ', nothing else'}): tracking adds ≤ 2x its runtime`,
        `${stacks.ratioVsOff}x with stacks (counting only: ${heavy(passes, 'counting (stackDepth 0)')?.ratioVsOff}x)`,
        stacks.ratioVsOff <= 2
          ? '**met** (total ≤ 2x)'
          : stacks.ratioVsOff <= 3
            ? 'adds ≤ 2x (total ≤ 3x): **met**; total ≤ 2x: **missed**'
            : '**missed**',
      ]);
    }
  }
  if (r.reporter) {
    rows.push([
      'reporter: ≤ 5% of a clean 200-test run',
      `${(r.reporter.overhead * 100).toFixed(1)}% (medians), ${(r.reporter.overheadOfMins * 100).toFixed(1)}% (fastest runs)`,
      met(r.reporter.overhead <= 0.05),
    ]);
  }
  if (r.ldap) {
    for (const g of r.ldap.goals)
      rows.push([
        `LDAP binding: ${g.goal}`,
        g.goal.includes('%')
          ? `${Math.round(r.ldap.summary.binding.seq.pairedVsC * 100)}% (paired)`
          : `${(g.binding / 1000).toFixed(2)}k/s vs ${(g.other / 1000).toFixed(2)}k/s`,
        met(g.met),
      ]);
    rows.push([
      'LDAP binding: resident memory flat (±5%) over 1,000,000 searches',
      `${r.ldap.rss.rssChangePct}% (largest deviation ${r.ldap.rss.rssMaxDeviationPct}%)`,
      met(r.ldap.rss.met),
    ]);
  }
  return [
    '## Goals',
    '',
    'Verdict times: the headline figure is the first verdict in a fresh child process (one per repetition); later verdicts, ' +
      'run sequentially in the same process on new functions, are reported beside it.',
    '',
    table(['goal', 'measured (medians)', ''], rows),
  ].join('\n');
}

function jestRatios(jest) {
  const by = Object.fromEntries(jest.configs.map((c) => [c.id, c]));
  return { by, node: by.node, leakproof: by.leakproof, ratio: by.leakproof.wallMedian / by.node.wallMedian };
}

function verdictSection(r) {
  const v = r.verdict;
  const out = ['## 1. Time to a verdict', ''];
  out.push(
    `Each repetition is a fresh child process (\`bench/verdict-child.js\`): it loads the tool, fills its heap with ` +
      'retained, object-dense records (`bench/lib/heap-fill.js`: an object, a string, an array and a nested object per record, ' +
      'about 45 bytes per heap object) until the used heap after a full GC reaches the target, then times the verdict. ' +
      'The function under test is compiled fresh for every verdict, with its own file name. ' +
      `Repetitions are interleaved across the cases; ${v.reps} per case. ` +
      `leakproof runs \`measureLeaks(fn, resolveLeakOptions({}), new InspectorClient())\` from @leakproof/core (default options); ` +
      'its clean case times three verdicts per process: the first one (what the first `toNotLeak` of a Jest worker pays) ' +
      `and two later ones on new functions (n=${2 * v.reps}). ` +
      `A verdict still running ${formatMs(v.capMs)} after the heap was filled is stopped and counted as "> ${formatMs(v.capMs)}" ` +
      `(Jest's default testTimeout is 5 s); once more than half of a case's repetitions hit the cap, its median is known and the ` +
      'remaining repetitions are skipped.',
    '',
    'Clean function: `() => JSON.parse(JSON.stringify({ a: [1, 2, 3] }))`. ' +
      "Leaking function: pushes `{ id: n, user: 'user-' + n }` to a module-level array on every call.",
    '',
    '**Baselines**, on the same heaps in the same run:',
    '',
    '- *leakage-style* (`bench/verdict-tools/leakage.js`): the algorithm of leakage 0.5 on `@airbnb/node-memwatch` ' +
      '`HeapDiff`: 6 rounds, each a heap snapshot, 30 calls, a full GC and a second snapshot (`HeapDiff#end`); ' +
      'a leak when the heap grew in every round.',
    '- *memlab* (`bench/verdict-tools/memlab.js`): `@memlab/core` `dumpNodeHeapSnapshot()` three times (baseline, ' +
      'after 30 calls, final), then `@memlab/api` `findLeaksBySnapshotFilePaths` with a leak filter for Node ' +
      "(every JS object allocated during the calls that is still alive; memlab's built-in filter looks for detached DOM and React fibers).",
    '',
  );
  for (const heap of [20, 90]) {
    const lp = caseById(v, `leakproof-clean-${heap}`);
    const rows = [
      [
        'leakproof, first verdict of a process',
        shownMedian(lp),
        range(lp),
        `${lp.heapUsedMB.toFixed(1)} MB`,
        '1',
        `${lp.results.filter((x) => x.runs > 1).length} of ${lp.results.length} re-measured (escalated)`,
      ],
      ['leakproof, later verdicts (same process)', formatMs(lp.warmMedian), '', '', '', ''],
    ];
    for (const id of ['leakage', 'memlab']) {
      const c = caseById(v, `${id}-clean-${heap}`);
      const rel = c.median > 0 ? lp.median / c.median : NaN;
      const relText = c.censored ? `< ${ratio(rel)}` : ratio(rel);
      const note = [];
      if (c.estimatedFullMs) note.push(`full verdict ≈ ${formatMs(c.estimatedFullMs)} (extrapolated from the rounds done)`);
      if (c.censored && c.lastSteps.length) note.push(`where the cap stopped it: ${c.lastSteps.slice(0, 2).join('; ')}`);
      if (c.results.length) note.push(`verdicts: ${c.results.map((x) => (x.leaked ? 'leak' : 'clean')).join(', ')}`);
      rows.push([
        id === 'leakage' ? 'leakage-style (memwatch HeapDiff)' : 'memlab (3 snapshots + findLeaks)',
        shownMedian(c),
        range(c),
        `${c.heapUsedMB.toFixed(1)} MB`,
        relText,
        note.join('; '),
      ]);
    }
    out.push(`### Clean function, ${heap} MB heap`, '');
    out.push(table(['tool', 'median', 'min – max', 'heap used at start', 'leakproof first verdict ÷ this', 'notes'], rows), '');
  }
  out.push('### Leaking function (for information)', '');
  const rows = [];
  for (const id of ['leakproof-leak-20', 'leakproof-leak-90', 'leakproof-leak-90-explained']) {
    const c = caseById(v, id);
    const res = c.results;
    const explainedRuns = res.filter((x) => x.notes.every((n) => !n.startsWith('no heap snapshot'))).length;
    const named = res.filter((x) => x.explained).length;
    rows.push([
      `${c.heapMB} MB, ${Object.keys(c.options).length ? `options ${JSON.stringify(c.options)}` : 'default options'}`,
      shownMedian(c),
      range(c),
      c.explainStartMedian !== undefined ? formatMs(c.explainStartMedian) : 'no explanation',
      res.length ? `${res.filter((x) => x.leaked).length} of ${res.length}` : 'no run finished',
      res.length
        ? `${explainedRuns} of ${res.length} took a snapshot; ${named} named a constructor and retainer path`
        : `every run was still explaining at the cap (${c.lastSteps.slice(0, 2).join('; ')})`,
    ]);
  }
  out.push(
    table(['case', 'median (verdict + explanation)', 'min – max', 'leak confirmed at (median)', 'found the leak', 'explanation'], rows),
    '',
  );
  const skipped = caseById(v, 'leakproof-leak-90').results.find((x) => x.notes.some((n) => n.startsWith('no heap snapshot')));
  if (skipped)
    out.push(
      `With the default 4 s timeout on the 90 MB heap leakproof skips the snapshot: "${skipped.notes.find((n) => n.startsWith('no heap snapshot'))}".`,
      '',
    );
  const allUnnamed = v.cases.filter((c) => c.fn === 'leak').every((c) => c.results.every((x) => !x.explained));
  if (allUnnamed) {
    out.push(
      'In this run no explanation named a constructor or a retainer path (the findings fall back to "objects allocated at <site>"), ' +
        'although the snapshot was taken and analysed (its cost is in the figures): see "Notes" below.',
      '',
    );
  }
  return out.join('\n');
}

function jestSection(r) {
  const j = r.jest;
  const { by, node } = jestRatios(j);
  const out = ['## 2. Per-test overhead of the Jest environment', ''];
  out.push(
    `A generated suite (\`bench/jest-suite.js\`, in a temporary directory): ${j.files} plain-JS files x ${j.testsPerFile} tests = ${j.tests} tests, ` +
      'each building a 200-row array, a Map and a JSON round trip, with three awaits and two expects. ' +
      `Jest ${r.jestVersion} runs it with \`--ci --no-cache --watchman=false\`, \`transform: {}\` and its default worker count, ` +
      `${j.rounds} times per configuration, the configurations alternating and their order reversed every other round ` +
      '(one untimed run of each of the first two before). Wall time is spawn to exit of the jest process; "time in test files" sums Jest\'s per-file times.',
    '',
  );
  const rows = j.configs.map((c) => [
    c.label,
    formatMs(c.wallMedian),
    `${formatMs(Math.min(...c.wallAll))} – ${formatMs(Math.max(...c.wallAll))}`,
    `${ratio(c.wallMedian / node.wallMedian)}x`,
    c.id === 'node' ? '' : `${((c.wallMedian - node.wallMedian) / j.tests).toFixed(1)} ms`,
    formatMs(c.fileMedian),
    `${c.passed} passed, ${c.failed} failed`,
  ]);
  out.push(
    table(['testEnvironment', 'median wall', 'min – max', 'ratio to node', 'overhead per test', 'time in test files', 'tests'], rows),
    '',
  );
  const failures = j.configs.filter((c) => c.failures.length);
  for (const c of failures)
    out.push(`Failures under ${c.label}: ${c.failures.map((f) => `\`${f.replace(/\s+/g, ' ').slice(0, 200)}\``).join('; ')}`, '');
  const lp = by.leakproof;
  const heapShare = lp.wallMedian - by['leakproof-heap-off'].wallMedian;
  const handleShare = lp.wallMedian - by['leakproof-handles-off'].wallMedian;
  const nativeShare = by['leakproof-native-off'] ? lp.wallMedian - by['leakproof-native-off'].wallMedian : undefined;
  const rest = by['leakproof-heap-off'].wallMedian - node.wallMedian;
  out.push(
    `Of leakproof's ${formatMs(lp.wallMedian - node.wallMedian)} over jest-environment-node, turning the per-test heap check off saves ` +
      `${formatMs(heapShare)}, turning the handle check off saves ${formatMs(handleShare)}` +
      (nativeShare === undefined
        ? ''
        : ` and turning the native check off (no tracker started: ~35 ms per worker) saves ${formatMs(nativeShare)}`) +
      '; with the heap check off the rest of the ' +
      `environment costs ${formatMs(rest)}. Differences of medians on a noisy machine: read them to ±10-20%.`,
    '',
  );
  return out.join('\n');
}

function phaseRows(entry, kind) {
  const p = entry[kind].phases;
  const get = (k) => p[k] ?? { ms: 0, count: 0 };
  const settle = get('settle (full GCs + event-loop turns)');
  const gcs = get('forced full GCs (inside settle)');
  const stop = get('sampler.stop (profile + windowing)');
  const explain = get('explanation (total)');
  const total = entry[kind].ms;
  const other = total - settle.ms - stop.ms - explain.ms;
  return { total, settle, gcs, stop, explain, other };
}

function whereSection(r) {
  const { breakdown, whatIf, whatIfReps } = r.phases;
  const out = ['## 3. Where the time goes', ''];
  out.push(
    "`bench/verdict-phases.js` repeats leakproof's verdicts with `bench/lib/phase-probe.js`, which wraps the engine's exports " +
      '(`settle`, `AllocationSampler#stop`, `InspectorClient#post`, `explainSurvivors`) and counts the forced full GCs through ' +
      '`globalThis.gc` (leakproof uses it when present). Medians of the probed runs (which are not used above).',
    '',
  );
  const rows = [];
  for (const entry of breakdown.filter((e) => e.fn === 'clean')) {
    for (const kind of ['cold', 'warm']) {
      const x = phaseRows(entry, kind);
      rows.push([
        `clean, ${entry.heapMB} MB, ${kind === 'cold' ? 'first verdict' : 'later verdict'}`,
        formatMs(x.total),
        `${formatMs(x.settle.ms)} (${pct(x.settle.ms, x.total)}): ${x.settle.count} settles, ${x.gcs.count} full GCs taking ${formatMs(x.gcs.ms)}`,
        `${formatMs(x.stop.ms)} (${pct(x.stop.ms, x.total)})`,
        `${formatMs(x.other)} (${pct(x.other, x.total)})`,
      ]);
    }
  }
  out.push(table(['verdict', 'total', 'settle', 'reading the sampling profile', 'calls, rounds, rest'], rows), '');
  const leak = breakdown.find((e) => e.fn === 'leak');
  if (leak) {
    const p = leak.cold.phases;
    const ms = (k) => formatMs(p[k]?.ms ?? 0);
    out.push(
      `Leaking function, ${leak.heapMB} MB: ${formatMs(leak.cold.ms)} in total, of which the explanation ${ms('explanation (total)')}: ` +
        `starting heap object tracking ${ms('inspector HeapProfiler.startTrackingHeapObjects')}, ` +
        `the snapshot V8 takes when tracking stops ${ms('inspector HeapProfiler.stopTrackingHeapObjects')}, ` +
        `parsing and analysing it in the worker ${ms('explanation: snapshot analysis worker')}; ` +
        `all settles together ${ms('settle (full GCs + event-loop turns)')} (${p['forced full GCs (inside settle)']?.count ?? 0} forced full GCs). ` +
        `The engine budgets the explanation at 400 ms + 50 ms per MB of used heap (${formatMs(400 + 50 * leak.heapMB)} here).`,
      '',
    );
  }
  out.push(
    `**What-if (verdicts).** ${whatIfReps} fresh processes per variant and heap, interleaved; clean function, first verdict and two later ones.`,
    '',
  );
  const wrows = whatIf.map((w) => [
    `${w.heapMB} MB`,
    w.label,
    formatMs(w.coldMedian),
    formatMs(w.warmMedian),
    `${w.escalated} of ${w.reps}`,
    `${w.leaked}`,
  ]);
  out.push(table(['heap', 'variant', 'first verdict', 'later verdicts', 'first verdicts re-measured', 'false leaks'], wrows), '');
  const escalations = r.verdict.cases
    .filter((c) => c.id.startsWith('leakproof-clean'))
    .flatMap((c) => c.results.flatMap((x) => x.suspicious));
  if (escalations.length) {
    const counts = new Map();
    for (const site of escalations) counts.set(site, (counts.get(site) ?? 0) + 1);
    const top = [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([s, n]) => `\`${s}\` (${n})`);
    out.push(`Sites that made a clean first run suspicious in section 1 (count): ${top.join(', ')}.`, '');
  }
  return out.join('\n');
}

function notesSection(r) {
  const out = ['## Notes', ''];
  out.push(
    '- `@airbnb/node-memwatch` 3.0.0 is a native addon (nan, node-gyp). npm 11 runs its install script because the root ' +
      "`package.json` approves it in `allowScripts`; node-gyp builds offline against the installed headers when npm's " +
      '`nodedir` is `/usr` (`npm_config_nodedir=/usr npm install`, or `nodedir=/usr` in an `.npmrc`).',
    "- memlab depends on puppeteer, whose install script downloads a browser: `allowScripts` denies it (and xvfb's native " +
      "`sleep` dependency). memlab's Node heap API needs neither.",
    '- The machine is shared and noisy: load averages before and after the run are above. Compare figures within one run.',
  );
  const allUnnamed = r.verdict.cases.filter((c) => c.fn === 'leak').every((c) => c.results.every((x) => !x.explained));
  if (allUnnamed) {
    out.push(
      '- No leak explanation named a constructor in this run. The snapshot analysis leaves out objects whose shortest path from ' +
        'the GC roots starts at `(Stack roots)` or `(Handle scope)`; the leaking array is reachable from the stack while ' +
        'measureLeaks runs (it holds the function under test), so the leaked records are left out with it.',
    );
  }
  return out.join('\n');
}

function nativeSection(r) {
  const n = r.native;
  if (!n) return '';
  const out = ['## 4. Native tracking costs', ''];
  out.push(
    "Both measured by the tracker's own benchmarks, each in a fresh child process, modes alternating within each round " +
      '(tracking started before and stopped after each sample), medians over the rounds.',
    '',
    `**Per malloc/free pair** (\`packages/native-tracker/bench/cost.js\`: ${n.pairs.pairs} pairs of ${n.pairs.size} B from an addon per sample, ${n.pairs.rounds} rounds). ` +
      'Goals: at most +100 ns counting only, at most +2 µs with stack capture.',
    '',
    table(
      ['mode', 'ns per pair', 'added by tracking'],
      n.pairs.results.map((x) => [x.mode, String(x.nsPerPair), x.mode === 'off' ? '' : `+${x.addedNs} ns`]),
    ),
    '',
    `**A malloc-heavy addon call** (\`packages/native-tracker/bench/malloc-heavy.js\`: the corpus's \`manySmallAllocs(${n.heavy.allocsPerCall}, passes)\`, ` +
      `${n.heavy.allocsPerCall} blocks of 16-136 B per call, each filled and then rewritten and summed \`passes\` times, all freed; ` +
      `${n.heavy.callsPerSample} calls per sample, ${n.heavy.rounds} rounds). Goal: tracking adds at most 2x the call's runtime. ` +
      'The environment and the matchers track with stacks (depth 12, memoised per call path).',
    '',
    table(
      ['work per block (passes)', 'mode', 'µs per call', 'ratio vs off', 'ns added per allocation'],
      n.heavy.results.map((x) => [
        String(x.passes),
        x.mode,
        String(x.usPerCall),
        x.mode === 'off' ? '1' : `${x.ratioVsOff}x`,
        x.mode === 'off' ? '' : `+${x.nsAddedPerAlloc}`,
      ]),
    ),
    '',
  );
  return out.join('\n');
}

function reporterSection(r) {
  const x = r.reporter;
  if (!x) return '';
  const [without, withReporter] = x.configs;
  const pct = (v) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%`;
  return [
    '## 5. Reporter overhead',
    '',
    `A clean suite of ${x.tests} tests (${x.files} files), run by Jest ${x.rounds} times per configuration, alternating: ` +
      "the leakproof environment with `reporters: ['default']`, and with `@leakproof/jest-reporter` added (JSON and HTML reports written). " +
      'Goal: the reporter adds at most 5% to the wall time.',
    '',
    table(
      ['configuration', 'wall median', 'fastest', 'Jest parent CPU median'],
      [without, withReporter].map((c) => [c.label, formatMs(c.wallMedian), formatMs(c.wallMin), formatMs(c.parentCpuMedian)]),
    ),
    '',
    `Overhead: ${pct(x.overhead)} on the medians, ${pct(x.overheadOfMins)} on the fastest runs; ` +
      `the reporter's CPU in Jest's parent process: +${Math.round(x.parentCpuAddedMs)} ms (${pct(x.parentCpuShareOfWall)} of the run's wall time). ` +
      `Its hooks alone, in process (10 files x 20 tests, reports written): median ${formatMs(x.hooks.medianMs)}, first call ${formatMs(x.hooks.firstMs)}. ` +
      `Goal ${x.met ? '**met**' : '**missed**'} on the medians.`,
    '',
  ].join('\n');
}

const CLIENTS = [
  ['binding', '@leakproof/ldap'],
  ['ldapjs', 'ldapjs 3.0.7 client'],
  ['ldapts', 'ldapts 8.2.0'],
  ['c', 'C loop over libldap'],
];

// slapd's CPU per search while this client ran (older results, before it was measured, have none).
const slapdCpu = (seq, par) =>
  Number.isFinite(seq.serverCpuUsPerSearch) && Number.isFinite(par.serverCpuUsPerSearch)
    ? `${Math.round(seq.serverCpuUsPerSearch)} / ${Math.round(par.serverCpuUsPerSearch)} µs`
    : 'n/a';

function ldapSection(r) {
  const l = r.ldap;
  if (!l) return '';
  const us = (v) => (v >= 1000 ? `${(v / 1000).toFixed(1)} ms` : `${Math.round(v)} µs`);
  const k = (v) => `${(v / 1000).toFixed(2)}k`;
  const rows = CLIENTS.filter(([id]) => l.summary[id]).map(([id, label]) => {
    const { seq, par } = l.summary[id];
    return [
      label,
      k(seq.perSecond),
      us(seq.p50Us),
      us(seq.p99Us),
      `${Math.round(seq.pairedVsC * 100)}%`,
      k(par.perSecond),
      us(par.p50Us),
      us(par.p99Us),
      `${Math.round(par.pairedVsC * 100)}%`,
      `${Math.round(seq.cpuUsPerSearch)} / ${Math.round(par.cpuUsPerSearch)} µs`,
      slapdCpu(seq, par),
    ];
  });
  const x = l.rss;
  return [
    '## 6. The LDAP binding',
    '',
    'A one-entry subtree search (`(uid=ada)`, all attributes) on one connection bound as the admin, against one throwaway ' +
      `slapd started for the run (\`bench/ldap-throughput/run.js\`, details in its README): each client in its own process, ` +
      `${l.settings.reps} repetitions of ${l.settings.durationMs / 1000} s after a ${l.settings.warmupMs / 1000} s warm-up, clients rotated per repetition; medians. ` +
      '"vs C" is the median of the per-repetition ratios to the C loop (less sensitive to the load changing between repetitions). ' +
      'Goals: the binding beats both JS clients in both modes, and reaches at least 90% of the C loop sequentially. ' +
      "slapd shares the 2 cores with the client, so what a client costs slapd (its CPU per search, all threads, over the client's timed part) " +
      'is part of its throughput. The fixture runs slapd with `olcLogLevel: 0`: at its default level (stats) slapd tried to reach syslog ' +
      'twice per search, through a socket that does not exist here (no `/dev/log`), which doubled its CPU per search.',
    '',
    table(
      [
        'client',
        'seq/s',
        'seq p50',
        'seq p99',
        'seq vs C',
        '100 in flight/s',
        'p50',
        'p99',
        'vs C',
        'CPU per search (seq / 100)',
        'slapd CPU per search (seq / 100)',
      ],
      rows,
    ),
    '',
    ...l.goals.map((g) => `- ${g.goal}: ${g.met ? '**met**' : '**missed**'}`),
    '',
    `Resident memory (\`bench/ldap-throughput/rss.js\`): ${x.settings.searches.toLocaleString('en')} searches with the binding, ${x.settings.inflight} in flight, ` +
      `after ${x.settings.warmup.toLocaleString('en')} warm-up searches, a full GC before each of 11 samples, young generation ${x.settings.youngGeneration}: ` +
      `RSS ${x.rssChangePct >= 0 ? '+' : ''}${x.rssChangePct}% first to last (largest deviation ${x.rssMaxDeviationPct}%), ` +
      `outside V8's heap ${x.rssOutsideHeapChangePct >= 0 ? '+' : ''}${x.rssOutsideHeapChangePct}%, at ${Math.round(x.searchesPerSecond)} searches/s. ` +
      `Goal ±5%: ${x.met ? '**met**' : '**missed**'}. (With V8's default young-generation sizing the committed heap grows by itself, 13 to 37 MiB over 100,000 searches with 4.4 MiB used: RSS is then not a leak signal.)`,
    '',
  ].join('\n');
}

function renderReport(r) {
  const m = r.machine;
  return [
    '# Benchmarks',
    '',
    '<!-- Written by bench/run.js (`npm run bench`) from its own measurements: edit bench/report.js, not this file. -->',
    '',
    `Measured on ${m.date.slice(0, 10)} (${m.date}) on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}; ` +
      `Node ${m.node} (V8 ${m.v8}), Jest ${r.jestVersion}. Load average (1, 5, 15 min) before the run ${m.loadBefore}, after ${m.loadAfter}. ` +
      `The whole run took ${formatMs(r.durationMs)} (sections: ${Object.keys(r.sectionMs ?? {})
        .map((k) => `${k} ${formatMs(r.sectionMs[k])}`)
        .join(', ')}). ` +
      `Code measured: commit ${m.commit}${m.changedPackageFiles?.length ? ` plus uncommitted changes to ${m.changedPackageFiles.map((f) => `\`${f}\``).join(', ')}` : ''} (built by \`npm run build\` first).`,
    '',
    goalsSection(r),
    '',
    verdictSection(r),
    jestSection(r),
    whereSection(r),
    nativeSection(r),
    reporterSection(r),
    ldapSection(r),
    notesSection(r),
    '',
  ].join('\n');
}

module.exports = { renderReport, GOALS };
