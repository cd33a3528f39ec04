import {
  measureLeaks,
  resolveLeakOptions,
  type CallUnderTest,
  type InspectorClient,
  type LeakOptions,
  type LeakVerdict,
} from '@leakproof/core';

// The engine is used end to end, as the adapters use it: from the built package (the heap snapshot
// explanation runs in a worker thread started from dist/), with the environment's inspector session.
// The sampling heap profiler is one per process, so the environment's per-test check is paused.
interface Bridge {
  client: InspectorClient;
  pauseTestChecks(): Promise<void>;
  resumeTestChecks(): void;
}
export const bridge = (globalThis as Record<symbol, unknown>)[Symbol.for('leakproof.bridge')] as Bridge;

export async function measure(fn: CallUnderTest, options: LeakOptions = {}): Promise<LeakVerdict> {
  await bridge.pauseTestChecks();
  try {
    return await measureLeaks(fn, resolveLeakOptions(options), bridge.client);
  } finally {
    bridge.resumeTestChecks();
  }
}
