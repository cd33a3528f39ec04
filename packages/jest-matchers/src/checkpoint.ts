import { checkpoint as coreCheckpoint, type Checkpoint } from '@leakproof/core';
import { getBridge } from './bridge';

/** `const cp = await checkpoint()`, run code, then `await cp.survivors()`: what survived since, by constructor. */
export async function checkpoint(): Promise<Checkpoint> {
  const bridge = getBridge();
  await bridge.pauseTestChecks();
  const cp = await coreCheckpoint(bridge.client);
  return {
    async survivors() {
      try {
        return await cp.survivors();
      } finally {
        bridge.resumeTestChecks();
      }
    },
  };
}
