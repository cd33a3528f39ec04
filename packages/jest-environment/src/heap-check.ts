import {
  AllocationSampler,
  fileOf,
  formatFrame,
  isNodeInternal,
  isOwnFrame,
  isUserFrame,
  eventLoopTurn,
  SourcePositions,
  fileOfSite,
  type Frame,
  type InspectorClient,
  type SampleClassifier,
} from '@leakproof/core';

export interface RetainedByTest {
  bytes: number;
  objects: number;
  /** Top allocation sites, biggest first. */
  sites: Array<{ site: string; bytes: number; objects: number }>;
}

const JEST_INTERNALS =
  /[\\/]node_modules[\\/](jest-[^\\/]+|@jest[\\/][^\\/]+|expect|@jest\/expect-utils|pretty-format|source-map[^\\/]*|@jridgewell[\\/][^\\/]+|stack-utils)[\\/]/;
const KNOWN = [/[\\/]jest-mock[\\/]/, /[\\/]jest-runtime[\\/]/, /^node:internal\/modules\//];

/**
 * Per test: what the test allocated that is still alive at the end of the file. One sampling
 * session spans the file; markers at test boundaries cut it into windows, so the only per-test
 * cost is a marker, and the GC happens once, at the end (docs/noise-model.md).
 */
export class TestHeapCheck {
  private sampler: AllocationSampler | undefined;
  private windowOwners: Array<string | null> = [];
  private readonly retained = new Map<string, RetainedByTest>();
  private current: string | null = null;

  constructor(
    private readonly client: InspectorClient,
    private readonly samplingInterval: number,
    private readonly ignore: string[],
  ) {}

  get isStarted(): boolean {
    return this.sampler !== undefined;
  }

  start(): void {
    this.sampler = new AllocationSampler(this.client, this.samplingInterval);
    this.sampler.start();
    this.windowOwners = [];
    this.boundary(this.current);
  }

  /** Allocations from now on belong to `owner` (a test id), or to nobody (`null`). */
  boundary(owner: string | null): void {
    this.current = owner;
    if (!this.sampler) return;
    this.sampler.mark();
    this.windowOwners.push(owner);
  }

  /** Settles and reads the survivors so far (before a matcher needs the profiler, and at the end). */
  async collect(): Promise<void> {
    const sampler = this.sampler;
    if (!sampler) return;
    sampler.mark();
    this.sampler = undefined;
    try {
      // One turn for closing handles and finalizers; reading the profile runs the full GC itself.
      // Per-test thresholds are in KB: the extra GCs of a full settle cost most of the check's
      // time in the benchmark and changed nothing at that scale.
      await eventLoopTurn();
      const owners = this.windowOwners;
      const survivors = sampler.stop(this.classify, (window) => owners[window] !== null && owners[window] !== undefined);
      for (const site of survivors.sites) {
        site.bytes.forEach((bytes, window) => {
          const owner = this.windowOwners[window];
          if (!owner || bytes === 0) return;
          const entry = this.retained.get(owner) ?? { bytes: 0, objects: 0, sites: [] };
          entry.bytes += bytes;
          entry.objects += site.counts[window];
          const existing = entry.sites.find((s) => s.site === site.site);
          if (existing) {
            existing.bytes += bytes;
            existing.objects += site.counts[window];
          } else entry.sites.push({ site: site.site, bytes, objects: site.counts[window] });
          this.retained.set(owner, entry);
        });
      }
    } finally {
      sampler.abort();
    }
  }

  /**
   * Sites at their positions in the source Jest transformed (ts-jest, babel-jest), for a test
   * about to be reported: the maps are read once per file, and never for a file with nothing to say.
   */
  atSourcePositions(sites: RetainedByTest['sites']): RetainedByTest['sites'] {
    const files = sites.map((s) => fileOfSite(s.site)).filter((f): f is string => f !== null);
    const positions = SourcePositions.for(this.client, files);
    return sites.map((s) => ({ ...s, site: positions.site(s.site) }));
  }

  retainedBy(owner: string): RetainedByTest | undefined {
    const entry = this.retained.get(owner);
    entry?.sites.sort((a, b) => b.bytes - a.bytes);
    return entry;
  }

  abort(): void {
    this.sampler?.abort();
    this.sampler = undefined;
  }

  private readonly classify: SampleClassifier = (stack: Frame[]) => {
    const user = stack.find(isUserFrame);
    if (!user) return null;
    // Allocated by leakproof itself (its hooks run inside the test's calls), or by Jest's own
    // caches (the first failed toThrow keeps ~190 KB of stack-formatting data): not the test's.
    const innermost = stack.find((f) => !isNodeInternal(f));
    if (innermost && (isOwnFrame(innermost) || JEST_INTERNALS.test(fileOf(innermost)))) return null;
    if (stack.some((f) => KNOWN.some((re) => re.test(fileOf(f))))) return { ignored: 'known' };
    const site = formatFrame(user);
    if (this.ignore.some((pattern) => site.includes(pattern))) return { ignored: 'ignore option' };
    return { site };
  };
}
