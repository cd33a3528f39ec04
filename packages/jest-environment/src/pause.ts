import type { TestCheck } from './checks';

/**
 * The pause protocol around a matcher or checkpoint (the bridge's pauseTestChecks /
 * resumeTestChecks): the sampling heap profiler is one per process, and the measurement must not
 * see the checks' own bookkeeping; the matcher judges handles and native blocks per call itself.
 * Test boundaries that come while paused (concurrent tests, an un-awaited matcher) are held
 * back: the window of whoever runs when the measurement ends opens at resume.
 */
export class PausableChecks {
  private paused = false;
  private owner: string | null = null;

  constructor(private readonly checks: readonly TestCheck[]) {}

  /** What is created from now on is charged to `owner` (a test id), or to no test. */
  window(owner: string | null): void {
    this.owner = owner;
    if (this.paused) return;
    for (const check of this.checks) check.window(owner);
  }

  async pause(): Promise<void> {
    if (this.paused) return;
    this.paused = true;
    for (const check of this.checks) await check.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const check of this.checks) check.resume(this.owner);
  }
}
