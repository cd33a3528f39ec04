import { DEFAULT_TIMEOUT_MS, InspectorClient, type LeakOptions } from '@leakproof/core';
import { addonSnapshot, type AddonSnapshot } from '@leakproof/native-tracker';
import type { LeakCheckRecord } from '@leakproof/record';

/**
 * What the matchers need from their host. The environment puts one on the test's global (so
 * matchers share its inspector session and pause its per-test sampling); without the
 * environment, matchers make a standalone one.
 */
export interface LeakproofBridge {
  client: InspectorClient;
  /** Project-wide matcher options (environment's `matchers`), under each call's own options. */
  defaults: LeakOptions;
  /** Default `timeout` for matchers: below Jest's testTimeout so our error wins. */
  defaultTimeout: number;
  /** Called around a measurement: the sampling heap profiler is one per process. */
  pauseTestChecks(): Promise<void>;
  resumeTestChecks(): void;
  /** Matcher promises not yet settled: the environment fails a test that forgot `await`. */
  pending: Set<Promise<unknown>>;
  /** Keeps a matcher's verdict for the reporter (the environment's; absent standalone). */
  record?(check: LeakCheckRecord): void;
  /**
   * Runs a leak's heap-snapshot explanation after the test function, where its time does not count
   * against the test's timeout (the environment's; absent standalone: the budget is the matcher's).
   */
  explainAfterTestFn?(explanation: DeferredExplanation): void;
  /**
   * The native addons loaded before the test file ran (the runner's and its tooling's), when
   * native tracking cannot run: the matchers fail only for addons loaded since (`projectAddons`).
   */
  addonsBeforeTests?: AddonSnapshot;
}

/**
 * A matcher's verdict that waits for its heap-snapshot explanation: the matcher passed
 * provisionally, and the host decides it after the test function, where there is time.
 */
export interface DeferredExplanation {
  /** The matcher's failure message without the explanation (if the explanation cannot run). */
  message: string;
  /** Where the matcher was called (a stack), so that a late failure points at the test's line. */
  callStack?: string;
  /** Explains the verdict within `budgetMs`: the final message, and whether the assertion fails. */
  explain(budgetMs: number): Promise<{ message: string; failed: boolean }>;
}

export const BRIDGE_KEY = Symbol.for('leakproof.bridge');

let standalone: LeakproofBridge | undefined;
/** Standalone (a setup file), this module is loaded before the test file: what is loaded now is the runner's. */
const loadedAtSetup = addonSnapshot();

export function getBridge(global: object = globalThis): LeakproofBridge {
  const provided = (global as Record<symbol, LeakproofBridge | undefined>)[BRIDGE_KEY];
  if (provided) return provided;
  standalone ??= {
    client: new InspectorClient(),
    defaults: {},
    defaultTimeout: DEFAULT_TIMEOUT_MS,
    async pauseTestChecks() {},
    resumeTestChecks() {},
    pending: new Set(),
    addonsBeforeTests: loadedAtSetup,
  };
  return standalone;
}
