import { explainSurvivorsSince, startExplaining } from './explain';
import { retainerPathText } from './format';
import type { InspectorClient } from './inspector-client';
import type { RetainerHop } from './types';

export interface SurvivorGroup {
  /** Constructor name (`Array`, `Foo`), `(closure) name`, `string`... */
  name: string;
  count: number;
  bytes: number;
  /** GC root first, as data. */
  retainers: RetainerHop[];
  /** The same path as text, for reading in a test (`retainerPath.join(' -> ')`). */
  retainerPath: string[];
}

export interface Checkpoint {
  /** GC, then what was allocated since the checkpoint and is still alive, by constructor. */
  survivors(): Promise<SurvivorGroup[]>;
}

/**
 * Like the story's checkpoints around each call: `const cp = await checkpoint(); await call();
 * await cp.survivors()`. Tracks allocations until `survivors()` is called (one heap snapshot).
 */
export async function checkpoint(client: InspectorClient): Promise<Checkpoint> {
  const session = await startExplaining(client);
  let done = false;
  return {
    async survivors() {
      if (done) throw new Error('leakproof: survivors() was already called on this checkpoint; take a new checkpoint');
      done = true;
      // Every group, however small: the caller asked about specific code, not about a rate.
      const groups = await explainSurvivorsSince(session, 1, 1);
      return groups.map((g) => ({
        name: g.name,
        count: g.count,
        bytes: g.selfSize,
        retainers: g.retainers,
        retainerPath: retainerPathText(g.retainers, g.name),
      }));
    },
  };
}
