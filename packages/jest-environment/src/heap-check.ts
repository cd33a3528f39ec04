import {
  AllocationSampler,
  atSourcePositions,
  eventLoopTurn,
  isNodeInternal,
  isOwnSite,
  isUserSite,
  jsSiteKey,
  NODE_KNOWN_SURVIVORS,
  siteMatches,
  type InspectorClient,
  type LeakFinding,
  type SampleClassifier,
} from '@leakproof/core';
import { JEST_KNOWN_SURVIVORS, JEST_OWN_CODE } from '@leakproof/jest-matchers';
import { sizeJudgement, type Judgement, type TestCheck } from './checks';
import type { ResolvedEnvironmentOptions } from './options';
import { Windows } from './windows';

const KNOWN_SURVIVORS = [...JEST_KNOWN_SURVIVORS, ...NODE_KNOWN_SURVIVORS];

/**
 * Per test: what the test allocated that is still alive at the end of the file. One sampling
 * session spans the file (paused only while a matcher needs the profiler); markers at test
 * boundaries cut it into windows, so the only per-test cost is a marker, and the GC happens once,
 * at the end (docs/noise-model.md).
 */
export class HeapCheck implements TestCheck {
  readonly name = 'heap';
  private sampler: AllocationSampler | undefined;
  private windows: Windows<void> | undefined;
  /** Per test, per site (jsSiteKey): what was alive when the profile was read. */
  private readonly retained = new Map<string, Map<string, LeakFinding>>();
  private owner: string | null = null;

  constructor(
    private readonly client: InspectorClient,
    private readonly options: ResolvedEnvironmentOptions['heap'],
  ) {}

  window(owner: string | null): void {
    this.owner = owner;
    // Sampling starts at the first test: module loading before it would only fill the profile
    // with samples nobody is charged for (90% of them in the benchmark).
    if (this.windows) this.windows.next(owner);
    else if (owner !== null) this.start();
  }

  /** The matcher needs the profiler: what the test allocated so far is read now. */
  async pause(): Promise<void> {
    await this.collect();
  }

  resume(owner: string | null): void {
    this.owner = owner;
    this.start();
  }

  async testDone(): Promise<undefined> {
    return undefined;
  }

  async fileDone(skipped: (owner: string) => boolean): Promise<Judgement[]> {
    await this.collect();
    const judgements: Judgement[] = [];
    for (const [owner, sites] of this.retained) {
      if (skipped(owner)) continue;
      const judgement = sizeJudgement(
        owner,
        [...sites.values()].sort((a, b) => b.bytes - a.bytes),
        this.options,
      );
      // At their positions in the source Jest transformed (ts-jest, babel-jest), for a test about
      // to be reported only: the maps are read once per file, and never for a file with nothing to say.
      if (judgement) judgements.push({ ...judgement, findings: atSourcePositions(judgement.findings, this.client) });
    }
    return judgements;
  }

  dispose(): void {
    this.sampler?.abort();
    this.sampler = undefined;
    this.windows = undefined;
  }

  private start(): void {
    const sampler = new AllocationSampler(this.client, this.options.samplingInterval);
    sampler.start();
    this.sampler = sampler;
    this.windows = new Windows(() => sampler.mark());
    this.windows.next(this.owner);
  }

  /** Settles and reads the survivors so far, charged to the tests whose windows allocated them. */
  private async collect(): Promise<void> {
    const { sampler, windows } = this;
    if (!sampler || !windows) return;
    windows.close();
    this.sampler = undefined;
    this.windows = undefined;
    try {
      // One turn for closing handles and finalizers; reading the profile runs the full GC itself.
      // Per-test thresholds are in KB: the extra GCs of a full settle cost most of the check's
      // time in the benchmark and changed nothing at that scale.
      await eventLoopTurn();
      const survivors = sampler.stop(this.classify, (window) => windows.ownerOf(window) !== null);
      for (const survivor of survivors.sites) {
        const site = survivor.site;
        if (site === null) continue;
        for (const [owner, { count, bytes }] of windows.perOwner(survivor.counts, survivor.bytes)) {
          const sites = this.retained.get(owner) ?? new Map<string, LeakFinding>();
          this.retained.set(owner, sites);
          const finding = sites.get(jsSiteKey(site));
          if (finding) {
            finding.count += count;
            finding.bytes += bytes;
          } else sites.set(jsSiteKey(site), { kind: 'js-objects', name: null, site, count, bytes, per: 'test', perRound: [] });
        }
      }
    } finally {
      sampler.abort();
    }
  }

  private readonly classify: SampleClassifier = (stack) => {
    const user = stack.find(isUserSite);
    if (!user) return null;
    // Allocated by leakproof itself (its hooks run inside the test's calls), or by Jest's own
    // caches (the first failed toThrow keeps ~190 KB of stack-formatting data): not the test's.
    const innermost = stack.find((f) => !isNodeInternal(f));
    if (innermost && (isOwnSite(innermost) || JEST_OWN_CODE.test(innermost.file))) return null;
    for (const known of KNOWN_SURVIVORS) if (stack.some((f) => known.file.test(f.file))) return { ignored: known.reason };
    if (siteMatches(user, this.options.ignore)) return { ignored: 'ignore option' };
    return { site: user };
  };
}
