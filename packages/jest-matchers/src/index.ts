import { registerOwnCode } from '@leakproof/core';
import * as path from 'node:path';
import { createMatchers, type LeakExpectation, type ToLeakOptions } from './matchers';
import type { LeakOptions } from '@leakproof/core';

registerOwnCode(path.resolve(__dirname, '..'));

export { createMatchers, type LeakExpectation, type ToLeakOptions };
export { checkpoint } from './checkpoint';
export { JEST_KNOWN_SURVIVORS, JEST_OWN_CODE } from './jest-internals';
export { getBridge, BRIDGE_KEY, type LeakproofBridge } from './bridge';
export type { LeakOptions, Checkpoint, SurvivorGroup } from '@leakproof/core';

/** `expect.extend(matchers)` for setupFilesAfterEnv-style registration. */
export const matchers = createMatchers();

// Augmentations must repeat the augmented interface's type parameters, used or not.
/* eslint-disable @typescript-eslint/no-unused-vars, @typescript-eslint/no-empty-object-type */
declare module 'expect' {
  interface Matchers<R extends void | Promise<void>, T = unknown> {
    /** Calls fn repeatedly (warm-up, rounds) and fails if JS objects, native blocks or handles grow every round. Await it. */
    toNotLeak(options?: LeakOptions): Promise<R>;
    /** Passes when fn leaks (optionally: what, kind, perCall): pins a known leak. Await it. */
    toLeak(expectation?: ToLeakOptions): Promise<R>;
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R, T = {}> {
      /** Calls fn repeatedly (warm-up, rounds) and fails if JS objects, native blocks or handles grow every round. Await it. */
      toNotLeak(options?: LeakOptions): Promise<R>;
      /** Passes when fn leaks (optionally: what, kind, perCall): pins a known leak. Await it. */
      toLeak(expectation?: ToLeakOptions): Promise<R>;
    }
  }
}
/* eslint-enable @typescript-eslint/no-unused-vars, @typescript-eslint/no-empty-object-type */
