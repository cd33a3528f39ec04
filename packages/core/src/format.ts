import { frameText } from './native-census';
import { formatStack } from './stack';
import type { LeakFinding, LeakVerdict } from './types';

export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (abs >= 10 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${Math.round(bytes)} B`;
}

export function formatCount(n: number): string {
  return n >= 10 ? n.toFixed(0) : n >= 1 ? n.toFixed(2).replace(/\.?0+$/, '') : n.toFixed(3).replace(/0+$/, '');
}

/** One finding, as several indented lines: what grew, how much per call, who retains it, where from. */
export function formatFinding(finding: LeakFinding): string {
  const lines: string[] = [];
  const per = finding.per === 'test' ? 'in this test' : 'per call';
  if (finding.kind === 'handles') {
    lines.push(`open handles: ${finding.what} +${formatCount(finding.countPerCall)} ${per} (never closed)`);
  } else if (finding.kind === 'native') {
    const rounds = finding.perRound.length > 0 ? `; blocks left per round: ${finding.perRound.join(', ')}` : '';
    lines.push(
      `${finding.what}: +${formatBytes(finding.bytesPerCall)} ${per} in ${formatCount(finding.countPerCall)} block${finding.countPerCall === 1 ? '' : 's'} (never freed${rounds})`,
    );
    const sites = finding.nativeSites ?? [
      {
        allocator: finding.allocator ?? 'malloc',
        frames: finding.nativeStack ?? [],
        bytesPerCall: finding.bytesPerCall,
        countPerCall: finding.countPerCall,
      },
    ];
    for (const site of sites) {
      const size = sites.length > 1 ? `${formatBytes(site.bytesPerCall)} ${per} ` : '';
      lines.push(`  ${size}allocated at: ${formatNativeStack(site.allocator, site.frames)}`);
    }
    return lines.join('\n');
  } else {
    const rounds = finding.perRound.length > 0 ? `; survivors per round: ${finding.perRound.join(', ')}` : '';
    lines.push(`${finding.what}: +${formatCount(finding.countPerCall)} per call (+${formatBytes(finding.bytesPerCall)}/call${rounds})`);
  }
  if (finding.retainedByGlobalHandle)
    lines.push('  retained by a global handle: a napi_ref / Napi::Reference (or v8::Persistent) that is never deleted');
  if (finding.retainerPath) lines.push(`  retained by: ${shortRetainerPath(finding.retainerPath)}`);
  if (finding.allocationStack) lines.push(`  allocated at: ${formatStack(finding.allocationStack)}`);
  else if (finding.site) lines.push(`  allocated at: ${finding.site}`);
  return lines.join('\n');
}

/** valgrind loss-record style: `malloc <- lookup (corpus.node) <- Lookup (corpus.node) <- ...`. */
export function formatNativeStack(allocator: string, frames: NonNullable<LeakFinding['nativeStack']>, maxFrames = 8): string {
  const shown = frames.slice(0, maxFrames).map(frameText);
  if (frames.length > maxFrames) shown.push('...');
  return [allocator, ...shown].join(' <- ');
}

export function formatMeasurement(verdict: LeakVerdict): string {
  const runs = verdict.runs.map((r) => `${r.rounds} rounds x ${r.callsPerRound} calls`).join(', then ');
  const warmup = verdict.runs[0]?.warmupCalls ?? 0;
  return `measured: ${warmup} warm-up calls, ${runs} (${verdict.totalCalls} calls, ${Math.round(verdict.durationMs)} ms)`;
}

export function formatVerdict(verdict: LeakVerdict): string {
  const parts = verdict.findings.map(formatFinding);
  parts.push(formatMeasurement(verdict));
  if (verdict.notes.length > 0) parts.push(verdict.notes.map((n) => `note: ${n}`).join('\n'));
  return parts.join('\n\n');
}

/**
 * The tail of a retainer path a reader acts on: from the last variable, global handle or global
 * property that holds the chain. Hops before it are V8/Node plumbing (realms, context tables).
 */
export function shortRetainerPath(path: string[]): string {
  const anchors = path.map((hop, i) =>
    /\(closure variable\)|\(Global handles\)|^global|\(Strong roots\)|Timeout|Module\.exports/.test(hop) ? i : -1,
  );
  const start = Math.max(...anchors);
  if (start <= 0) return path.join(' -> ');
  const root = path.some((h) => h.includes('(Global handles)')) ? '(GC roots: global handle)' : '(GC roots)';
  return `${root} ... ${path.slice(start).join(' -> ')}`;
}
