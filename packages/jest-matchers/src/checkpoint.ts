import { checkpoint as coreCheckpoint, type Checkpoint } from '@leakproof/core';
import { getBridge } from './bridge';

/**
 * `const cp = await checkpoint()`, run code, then `await cp.survivors()`: what survived since, by
 * constructor. `global`: the test's global, where a host put its bridge (the environment passes
 * it for `leakproof.checkpoint()`, which runs in the environment's module scope, not the test's).
 */
export async function checkpoint(global: object = globalThis): Promise<Checkpoint> {
  const bridge = getBridge(global);
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
