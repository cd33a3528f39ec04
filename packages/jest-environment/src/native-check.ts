import {
  isSuppressed,
  nativeOwnerFrame,
  nativeOwnerKey,
  nativeSurvivorsByWindow,
  settle,
  type LeakFinding,
  type NativeAllocation,
  type NativeProbe,
} from '@leakproof/core';
import { sizeJudgement, type Judgement, type TestCheck } from './checks';
import type { ResolvedEnvironmentOptions } from './options';
import { Windows } from './windows';

/**
 * Per test: native blocks the test allocated that are still live at the end of the file. Windows
 * as the heap check's (an epoch at every test boundary), read once, at the end.
 */
export class NativeCheck implements TestCheck {
  readonly name = 'native';
  private readonly windows: Windows<number>;

  constructor(
    private readonly probe: NativeProbe,
    private readonly options: ResolvedEnvironmentOptions['native'],
  ) {
    this.windows = new Windows(() => probe.mark());
  }

  window(owner: string | null): void {
    this.windows.next(owner);
  }

  /** The matcher judges its own calls: they belong to no test's window. */
  async pause(): Promise<void> {
    this.windows.next(null);
  }

  resume(owner: string | null): void {
    this.windows.next(owner);
  }

  async testDone(): Promise<undefined> {
    return undefined;
  }

  async fileDone(skipped: (owner: string) => boolean): Promise<Judgement[]> {
    if (this.windows.isEmpty) return [];
    const epochs = this.windows.close();
    // Finalizers free native memory only after a GC and a turn: settle, but only when anything
    // allocated during the file is still live (most files load no addon at all).
    if (this.probe.survivorsSince(epochs[0]).length > 0) await settle({ extraCounter: () => this.probe.liveBytes() });
    // Per test, per owning function (the innermost addon frame), as the matchers group them.
    const byTest = new Map<string, Map<string, NativeAllocation[]>>();
    for (const site of nativeSurvivorsByWindow(this.probe, epochs)) {
      if (isSuppressed(site, this.options.suppressions)) continue;
      for (const [owner, { count, bytes }] of this.windows.perOwner(site.counts, site.bytes)) {
        const owners = byTest.get(owner) ?? new Map<string, NativeAllocation[]>();
        byTest.set(owner, owners);
        const key = nativeOwnerKey(site);
        owners.set(key, [...(owners.get(key) ?? []), { allocator: site.allocator, stack: site.stack, count, bytes }]);
      }
    }
    const judgements: Judgement[] = [];
    for (const [owner, owners] of byTest) {
      if (skipped(owner)) continue;
      const findings = [...owners.values()].map(nativeFinding).sort((a, b) => b.bytes - a.bytes);
      const judgement = sizeJudgement(owner, findings, this.options);
      if (judgement) judgements.push(judgement);
    }
    return judgements;
  }

  dispose(): void {}
}

function nativeFinding(allocations: NativeAllocation[]): LeakFinding {
  const sorted = [...allocations].sort((a, b) => b.bytes - a.bytes);
  return {
    kind: 'native',
    name: null,
    site: nativeOwnerFrame(sorted[0].stack) ?? null,
    count: sorted.reduce((sum, a) => sum + a.count, 0),
    bytes: sorted.reduce((sum, a) => sum + a.bytes, 0),
    per: 'test',
    perRound: [],
    allocations: sorted,
  };
}
