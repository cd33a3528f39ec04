import { prettyFile } from './stack';
import type { JsSite, LeakFinding, LeakVerdict, NativeSite, RetainerHop, Site } from './types';

/**
 * Text for a person, made from findings in one place: the matcher's failure message uses all of
 * it, the environment's and the reporter's outputs use the pieces (siteText, whatText...).
 */

export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (abs >= 10 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${Math.round(bytes)} B`;
}

export function formatCount(n: number): string {
  return n >= 10 ? n.toFixed(0) : n >= 1 ? n.toFixed(2).replace(/\.?0+$/, '') : n.toFixed(3).replace(/0+$/, '');
}

/** Where JS objects made by native code called from the event loop come from. */
export const NO_JS_FRAME_TEXT = '(native code called from the event loop: no JS frame)';

/** `fn (src/file.js:12:7)` for a JS frame; `fn (lib.so)` for a native one (see nativeFrameText). */
export function siteText(site: Site): string {
  if (site.lang === 'native') return nativeFrameText(site);
  const name = site.function || '(anonymous)';
  if (!site.file) return name;
  return `${name} (${prettyFile(site.file)}:${site.line}:${site.column})`;
}

export function stackText(stack: JsSite[], limit = 6): string {
  return stack.slice(0, limit).map(siteText).join(' <- ');
}

/** `lookup (corpus.node)`, `??? (libldap.so.2+0x1f00)`, `0x...` for code outside any object. */
export function nativeFrameText(frame: NativeSite): string {
  const fn = frame.function === null ? null : shortFunctionName(frame.function);
  if (!frame.object) return fn ?? `0x${frame.offset.toString(16)}`;
  return fn ? `${fn} (${frame.object})` : `??? (${frame.object}+0x${frame.offset.toString(16)})`;
}

/**
 * A demangled C++ name as a reader scans it: `LeakMalloc` for
 * `(anonymous namespace)::LeakMalloc(Napi::CallbackInfo const&)`, template arguments as `<...>`.
 */
export function shortFunctionName(name: string): string {
  let short = name.replace(/\(anonymous namespace\)::/g, '');
  // The parameter list: from the '(' matching the last ')' (qualifiers such as `const` after it).
  const tail = /\)\s*(const|volatile|&|&&|\s)*$/.exec(short);
  if (tail) {
    let depth = 0;
    for (let i = tail.index; i >= 0; i--) {
      if (short[i] === ')') depth++;
      else if (short[i] === '(' && --depth === 0) {
        if (i > 0) short = short.slice(0, i);
        break;
      }
    }
  }
  // Template arguments, innermost first, each replaced by a private-use character until the end.
  while (/<[^<>]*>/.test(short)) short = short.replace(/<[^<>]*>/g, '\uE000');
  return short.replace(/\uE000/g, '<...>').trim() || name;
}

/** valgrind loss-record style: `malloc <- lookup (corpus.node) <- Lookup (corpus.node) <- ...`. */
export function nativeStackText(allocator: string, frames: NativeSite[], maxFrames = 8): string {
  const shown = frames.slice(0, maxFrames).map(nativeFrameText);
  if (frames.length > maxFrames) shown.push('...');
  return [allocator, ...shown].join(' <- ');
}

/** What grew, as a headline names it: the constructor or handle type, else where it was allocated. */
export function whatText(finding: LeakFinding): string {
  if (finding.kind === 'native') {
    const owner = finding.site ? siteText(finding.site) : `${finding.allocations?.[0]?.allocator ?? 'malloc'} (no stack)`;
    return `native memory allocated in ${owner}`;
  }
  if (finding.name !== null) return finding.name;
  return `objects allocated at ${finding.noJsFrame ? NO_JS_FRAME_TEXT : finding.site ? siteText(finding.site) : '(unknown site)'}`;
}

/** One hop as V8's heap snapshot viewers write it: `holder.edge`, `holder[3]`, `holder.x (closure variable)`. */
export function hopText(hop: RetainerHop): string {
  const edge =
    hop.edgeKind === 'element' || hop.edgeKind === 'hidden'
      ? `[${hop.edge}]`
      : hop.edgeKind === 'context'
        ? `.${hop.edge} (closure variable)`
        : hop.edgeKind === 'internal'
          ? `.(${hop.edge})`
          : `.${hop.edge}`;
  return `${hop.holder}${edge}`.replace(/^\./, '');
}

/** The whole path, GC root first, ending at the retained object. */
export function retainerPathText(hops: RetainerHop[], target: string | null): string[] {
  return [...hops.map(hopText), ...(target === null ? [] : [target])];
}

/** Held from a V8 global handle: a napi_ref or Persistent never released. */
export function heldByGlobalHandle(hops: RetainerHop[] | undefined): boolean {
  // Only when the global handle is the last anchor: a handle that reaches the object through a
  // closure or module variable (Jest's vm context is held by one on Node 22+) is not the culprit.
  if (!hops) return false;
  const last = lastAnchor(hops);
  return last >= 0 && hops[last].root === 'global-handles';
}

function lastAnchor(hops: RetainerHop[]): number {
  let last = -1;
  hops.forEach((hop, i) => {
    if (isAnchor(hop)) last = i;
  });
  return last;
}

/**
 * Whether a hop is one a reader acts on: a variable, a global, a root group, a timer list or a
 * module's exports (`Module`, Node's own `BuiltinModule`). Hops before the last of them are
 * V8/Node plumbing (realms, context tables).
 */
function isAnchor(hop: RetainerHop): boolean {
  return (
    hop.edgeKind === 'context' ||
    hop.root === 'global-handles' ||
    hop.root === 'strong-roots' ||
    // The snapshot root's `global` shortcut; an internal `(global)` edge is plumbing.
    (hop.holder === '' && hop.edgeKind !== 'internal' && hop.edge.startsWith('global')) ||
    hop.holder.startsWith('global') ||
    hop.holder.includes('Timeout') ||
    hop.edge.includes('Timeout') ||
    (hop.holder.endsWith('Module') && (hop.edgeKind === 'property' || hop.edgeKind === 'shortcut') && hop.edge.startsWith('exports'))
  );
}

/**
 * A retained object that is itself an anchor (a `Timeout`, a `global...` object): the short path
 * is the object alone, as 0.1 showed it.
 */
function isAnchorTarget(target: string | null): boolean {
  return target !== null && (target.includes('Timeout') || target.startsWith('global'));
}

/** The tail of a retainer path a reader acts on: from the last anchor (isAnchor) to the object. */
export function shortRetainerText(hops: RetainerHop[], target: string | null): string {
  const full = retainerPathText(hops, target);
  let start = lastAnchor(hops);
  if (isAnchorTarget(target)) start = hops.length;
  if (start <= 0) return full.join(' -> ');
  const root = heldByGlobalHandle(hops) ? '(GC roots: global handle)' : '(GC roots)';
  return `${root} ... ${full.slice(start).join(' -> ')}`;
}

/** One finding, as several indented lines: what grew, how much per call, who retains it, where from. */
export function formatFinding(finding: LeakFinding): string {
  const lines: string[] = [];
  const per = finding.per === 'test' ? 'in this test' : 'per call';
  const what = whatText(finding);
  if (finding.kind === 'handles') {
    lines.push(`open handles: ${what} +${formatCount(finding.count)} ${per} (never closed)`);
  } else if (finding.kind === 'native') {
    const rounds = finding.perRound.length > 0 ? `; blocks left per round: ${finding.perRound.join(', ')}` : '';
    lines.push(
      `${what}: +${formatBytes(finding.bytes)} ${per} in ${formatCount(finding.count)} block${finding.count === 1 ? '' : 's'} (never freed${rounds})`,
    );
    const allocations = finding.allocations ?? [];
    for (const a of allocations) {
      const size = allocations.length > 1 ? `${formatBytes(a.bytes)} ${per} ` : '';
      lines.push(`  ${size}allocated at: ${nativeStackText(a.allocator, a.stack)}`);
    }
    return lines.join('\n');
  } else {
    const rounds = finding.perRound.length > 0 ? `; survivors per round: ${finding.perRound.join(', ')}` : '';
    lines.push(`${what}: +${formatCount(finding.count)} per call (+${formatBytes(finding.bytes)}/call${rounds})`);
  }
  if (heldByGlobalHandle(finding.retainers)) {
    lines.push('  retained by a global handle: a napi_ref / Napi::Reference (or v8::Persistent) that is never deleted');
  }
  if (finding.retainers) lines.push(`  retained by: ${shortRetainerText(finding.retainers, finding.name)}`);
  if (finding.stack?.length) lines.push(`  allocated at: ${stackText(finding.stack)}`);
  else if (finding.noJsFrame) lines.push(`  allocated at: ${NO_JS_FRAME_TEXT}`);
  else if (finding.site) lines.push(`  allocated at: ${siteText(finding.site)}`);
  return lines.join('\n');
}

export function formatMeasurement(verdict: LeakVerdict): string {
  const runs = verdict.runs.map((r) => `${r.rounds} rounds x ${r.callsPerRound} calls`).join(', then ');
  const warmup = verdict.runs[0]?.warmupCalls ?? 0;
  return `measured: ${warmup} warm-up calls, ${runs} (${verdict.totalCalls} calls, ${Math.round(verdict.durationMs)} ms)`;
}

/**
 * What the decision ruled out before it reported a leak (docs/noise-model.md): the bound and the
 * delayed release the horizon covers, the noise the re-measurement at longer rounds covers.
 */
export function formatRuledOut(verdict: LeakVerdict): string | null {
  const { horizon } = verdict;
  if (!verdict.leaked || !horizon) return null;
  const lengths = verdict.runs.map((r) => r.callsPerRound);
  const ruled = [
    `a bound (a cache of up to ${horizon.horizonCalls.toLocaleString('en-US')} entries, a pool): what every round left was still alive after ${horizon.horizonCalls.toLocaleString('en-US')} more calls`,
    `a delayed release within ${formatSeconds(horizon.horizonMs)} of the rounds`,
  ];
  if (lengths.length > 1) ruled.push(`noise and one-time work: it grew in every round at ${lengths.join(' and ')} calls per round`);
  return `ruled out: ${ruled.join('; ')}`;
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`;
}

export function formatVerdict(verdict: LeakVerdict): string {
  const parts = verdict.findings.map(formatFinding);
  const ruledOut = formatRuledOut(verdict);
  if (ruledOut) parts.push(ruledOut);
  parts.push(formatMeasurement(verdict));
  if (verdict.notes.length > 0) parts.push(verdict.notes.map((n) => `note: ${n}`).join('\n'));
  return parts.join('\n\n');
}
