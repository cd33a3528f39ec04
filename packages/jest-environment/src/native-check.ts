import { isSuppressed, nativeSiteName, nativeSurvivorsByWindow, settle, type NativeFrameRef, type NativeProbe } from '@leakproof/core';

export interface NativeRetainedByTest {
  bytes: number;
  blocks: number;
  /** Sites, biggest first. */
  sites: Array<{ name: string; allocator: string; frames: NativeFrameRef[]; bytes: number; blocks: number }>;
}

/**
 * Per test: native blocks the test allocated that are still live at the end of the file. Same
 * windows as the heap check (an epoch at every test boundary), read once at the end.
 */
export class TestNativeCheck {
  private epochs: number[] = [];
  private owners: Array<string | null> = [];

  constructor(
    private readonly probe: NativeProbe,
    private readonly suppressions: string[],
  ) {}

  /** Allocations from now on belong to `owner` (a test id), or to nobody (`null`). */
  boundary(owner: string | null): void {
    this.epochs.push(this.probe.mark());
    this.owners.push(owner);
  }

  async collect(): Promise<Map<string, NativeRetainedByTest>> {
    const retained = new Map<string, NativeRetainedByTest>();
    if (this.epochs.length === 0) return retained;
    this.boundary(null);
    // Finalizers free native memory only after a GC and a turn: settle, but only when anything
    // allocated during the file is still live (most files load no addon at all).
    if (this.probe.survivorsSince(this.epochs[0]).length > 0) await settle({ extraCounter: () => this.probe.liveBytes() });
    for (const site of nativeSurvivorsByWindow(this.probe, this.epochs)) {
      if (isSuppressed(site, this.suppressions)) continue;
      site.counts.forEach((blocks, window) => {
        const owner = this.owners[window];
        if (!owner || blocks === 0) return;
        const entry = retained.get(owner) ?? { bytes: 0, blocks: 0, sites: [] };
        const bytes = site.bytes[window];
        entry.bytes += bytes;
        entry.blocks += blocks;
        entry.sites.push({ name: nativeSiteName(site), allocator: site.allocator, frames: site.frames, bytes, blocks });
        retained.set(owner, entry);
      });
    }
    for (const entry of retained.values()) entry.sites.sort((a, b) => b.bytes - a.bytes);
    this.epochs = [];
    this.owners = [];
    return retained;
  }
}
