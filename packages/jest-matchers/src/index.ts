import { registerOwnCode } from '@leakproof/core';
import * as path from 'node:path';
import { createMatchers, type LeakExpectation, type ToLeakOptions } from './matchers';
import type { Checkpoint, LeakOptions } from '@leakproof/core';

registerOwnCode(path.resolve(__dirname, '..'));

export { createMatchers, type LeakExpectation, type ToLeakOptions };
export { checkpoint } from './checkpoint';
export { JEST_KNOWN_SURVIVORS, JEST_OWN_CODE } from './jest-internals';
export { getBridge, BRIDGE_KEY, type DeferredExplanation, type LeakproofBridge } from './bridge';
export type { LeakOptions, Checkpoint, SurvivorGroup } from '@leakproof/core';

/** A per-test check of @leakproof/jest-environment, as `leakproof.skipChecks()` names it. */
export type LeakproofCheckName = 'handles' | 'heap' | 'native';

/** The `leakproof` global that @leakproof/jest-environment (and so the preset) puts in every test file. */
export interface LeakproofGlobal {
  /** `const cp = await leakproof.checkpoint()`, run code, then `await cp.survivors()`: what survived since, by constructor. */
  checkpoint(): Promise<Checkpoint>;
  /** Turns this test's automatic checks off: all of them, or one (`'handles'`, `'heap'`, `'native'`). Call it inside the test. */
  skipChecks(which?: LeakproofCheckName): void;
}

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

// Typed for every project that lists these types (`"types": ["jest", "@leakproof/jest-matchers"]`),
// whether it uses @types/jest's globals or imports from @jest/globals.
declare global {
  /** leakproof's per-file API: there with @leakproof/jest-environment (and the preset), not with the matchers alone. */
  var leakproof: LeakproofGlobal;

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
