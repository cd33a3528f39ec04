/**
 * Which test each measurement window belongs to, for the checks that read survivors once, at the
 * end of the file (heap, native). A window runs from one boundary to the next: at each boundary
 * the check marks its measurement (a heap profile marker, a native epoch) and this records the
 * owner, so that what is still alive later, read per window, is charged to the test that made it.
 */
export class Windows<Mark> {
  private readonly marks: Mark[] = [];
  private readonly owners: Array<string | null> = [];

  constructor(private readonly mark: () => Mark) {}

  get isEmpty(): boolean {
    return this.marks.length === 0;
  }

  /** Closes the current window and opens one charged to `owner` (a test id; null: to no test). */
  next(owner: string | null): void {
    this.marks.push(this.mark());
    this.owners.push(owner);
  }

  /** Closes the last window. Window i runs from marks[i] to marks[i + 1]. */
  close(): Mark[] {
    this.marks.push(this.mark());
    return this.marks;
  }

  /** The test window `window` is charged to, or null. */
  ownerOf(window: number): string | null {
    return this.owners[window] ?? null;
  }

  /**
   * One site's survivors per window, summed per test; windows charged to no test and empty
   * windows are left out.
   */
  perOwner(counts: number[], bytes: number[]): Map<string, { count: number; bytes: number }> {
    const totals = new Map<string, { count: number; bytes: number }>();
    counts.forEach((count, window) => {
      const owner = this.ownerOf(window);
      if (owner === null || count === 0) return;
      const total = totals.get(owner) ?? { count: 0, bytes: 0 };
      total.count += count;
      total.bytes += bytes[window];
      totals.set(owner, total);
    });
    return totals;
  }
}
