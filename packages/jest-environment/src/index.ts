import * as path from 'node:path';
import { TestEnvironment } from 'jest-environment-node';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import { InspectorClient, registerOwnCode } from '@leakproof/core';
import { BRIDGE_KEY, createMatchers, type DeferredExplanation, type LeakproofBridge } from '@leakproof/jest-matchers';
import {
  addonSnapshot,
  nativeProbe,
  nativeTrackingStatus,
  projectAddons,
  watchAddonRequires,
  type AddonSnapshot,
} from '@leakproof/native-tracker';
import type { Judgement, TestCheck } from './checks';
import { HandlesCheck } from './handles-check';
import { HeapCheck } from './heap-check';
import { LeakRecorder, titlePathOf } from './leak-recorder';
import { completeLaterExplanations } from './later-explanations';
import { installLeakproofGlobal, SkippedChecks } from './leakproof-global';
import {
  checkError,
  internalErrorMessage,
  judgementMessage,
  nativeNotCoveredMessage,
  nativeTrackingOffMessage,
  NOT_AWAITED_MESSAGE,
  recordNotWrittenMessage,
  warningMessage,
} from './messages';
import { NativeCheck } from './native-check';
import { OPTIONS_KEY, resolveEnvironmentOptions, type ResolvedEnvironmentOptions } from './options';
import { PausableChecks } from './pause';

registerOwnCode(path.resolve(__dirname, '..'));

export { resolveEnvironmentOptions, type EnvironmentOptions } from './options';

/** Whether this worker process said already that native memory is not checked: once per process, not per file. */
let saidNotCovered = false;

/**
 * jest-environment-node plus leakproof: every test is checked for handles it left open, heap it
 * retained and native memory it did not free (checks.ts); `toNotLeak` / `toLeak` are registered
 * with no setup file. This class only dispatches Jest's lifecycle to the checks.
 * `handleTestEvent` must never throw (a throw aborts the whole file): failures become test errors.
 */
export default class LeakproofEnvironment extends TestEnvironment {
  private readonly options: ResolvedEnvironmentOptions;
  private readonly client = new InspectorClient();
  /** Each undefined when its mode is off (native: also when tracking cannot run here, see nativeOff). */
  private readonly handles: HandlesCheck | undefined;
  private readonly native: NativeCheck | undefined;
  private readonly heap: HeapCheck | undefined;
  /** The checks that are on, in the order they are judged: handles, native, heap. */
  private readonly checks: TestCheck[];
  /** Test boundaries and the pause protocol, to every check. */
  private readonly pausable: PausableChecks;
  /** Why native tracking cannot run here, when the native check is on. */
  private readonly nativeOff: string | undefined;
  /** When tracking cannot run: the addons loaded before the test file (the runner's), to tell the project's from them. */
  private readonly addonsBefore: AddonSnapshot | undefined;
  private readonly bridge: LeakproofBridge;
  private readonly recorder: LeakRecorder;
  private readonly skipped = new SkippedChecks();
  private readonly testIds = new WeakMap<Circus.TestEntry, string>();
  private readonly tests = new Map<string, Circus.TestEntry>();
  private currentTest: string | null = null;
  /** The running test function's timeout and start: the matchers' default budget comes from it. */
  private testClock: { timeoutMs: number; startedAt: number } | null = null;
  /** Matchers' explanations waiting for the end of the running test function. */
  private readonly laterExplanations: DeferredExplanation[] = [];

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    const raw = (config.projectConfig.testEnvironmentOptions as Record<string, unknown> | undefined)?.[OPTIONS_KEY];
    this.options = resolveEnvironmentOptions(raw);
    const { handles, heap, native } = this.options;
    if (handles.mode !== 'off') this.handles = new HandlesCheck(handles, this.client);
    if (native.mode !== 'off') {
      // Started before the test file loads anything: addons it loads are hooked at dlopen.
      const access = nativeProbe();
      if ('probe' in access) this.native = new NativeCheck(access.probe, native);
      else this.nativeOff = access.unavailable;
    }
    if (this.nativeOff !== undefined || !nativeTrackingStatus().available) {
      // What is loaded now (Jest's resolver, a transformer's swc) is the runner's; what the file adds is the project's.
      watchAddonRequires();
      this.addonsBefore = addonSnapshot();
    }
    if (heap.mode !== 'off') this.heap = new HeapCheck(this.client, heap);
    this.checks = [this.handles, this.native, this.heap].filter((c): c is NonNullable<typeof c> => c !== undefined);
    this.pausable = new PausableChecks(this.checks);
    this.recorder = new LeakRecorder(context.testPath);
    const testTimeout = config.globalConfig.testTimeout ?? 5000;
    const clock = () => this.testClock;
    this.bridge = {
      client: this.client,
      defaults: this.options.matchers,
      // 80% of what is left of the running test's own timeout (`test(name, fn, ms)`, jest.setTimeout,
      // testTimeout), so that the matcher's explanatory error wins the race with Jest's.
      get defaultTimeout() {
        const running = clock();
        if (!running) return Math.max(100, Math.floor(testTimeout * 0.8));
        return Math.max(100, Math.floor(running.timeoutMs * 0.8 - (performance.now() - running.startedAt)));
      },
      addonsBeforeTests: this.addonsBefore,
      pauseTestChecks: () => this.pausable.pause(),
      resumeTestChecks: () => this.pausable.resume(),
      pending: new Set(),
      record: (check) => this.recorder.add(this.currentTest ? this.tests.get(this.currentTest) : undefined, check),
      explainAfterTestFn: (explanation) => this.laterExplanations.push(explanation),
    };
    (this.global as unknown as Record<symbol, unknown>)[BRIDGE_KEY] = this.bridge;
    installLeakproofGlobal(this.global, () => this.currentTest, this.skipped);
  }

  override async setup(): Promise<void> {
    await super.setup();
    this.handles?.loading();
    // The heap check starts at the first test (heap-check.ts).
  }

  override async teardown(): Promise<void> {
    try {
      this.recorder.write(this.nativeOff === undefined ? { available: true } : { available: false, reason: this.nativeOff });
    } catch (error) {
      this.warn(recordNotWrittenMessage(error));
    }
    for (const check of this.checks) check.dispose();
    this.client.disconnect();
    await super.teardown();
  }

  async handleTestEvent(event: Circus.Event, state: Circus.State): Promise<void> {
    try {
      await this.onEvent(event, state);
    } catch (error) {
      // Never let an internal problem abort the file or pass silently: report it on the file.
      state.unhandledErrors.push(new Error(internalErrorMessage(event.name, error)));
    }
  }

  private async onEvent(event: Circus.Event, state: Circus.State): Promise<void> {
    switch (event.name) {
      case 'setup': {
        const matchers = createMatchers(() => this.bridge, this.global);
        (event.runtimeGlobals.expect as unknown as { extend(m: object): void }).extend(matchers);
        break;
      }
      case 'run_start':
        this.handles?.loaded(hasConcurrentTests(state.rootDescribeBlock));
        break;
      case 'hook_start':
        this.handles?.hookRunning(true);
        break;
      case 'hook_success':
      case 'hook_failure':
        this.handles?.hookRunning(false);
        break;
      case 'test_start': {
        this.handles?.testRunning(true);
        // Concurrent tests interleave: their allocations and handles are checked per file instead.
        const id = event.test.concurrent ? null : this.idOf(event.test);
        this.currentTest = id;
        this.pausable.window(id);
        break;
      }
      case 'test_fn_start':
        // circus: a test's own timeout, else the file's (jest.setTimeout at the top of the file, testTimeout).
        this.testClock = { timeoutMs: event.test.timeout || state.testTimeout, startedAt: performance.now() };
        break;
      case 'test_fn_success':
      case 'test_fn_failure':
        this.testClock = null;
        await this.completeLaterExplanations(event.test);
        break;
      case 'test_skip':
      case 'test_todo':
        this.endTestWindow();
        break;
      case 'test_done':
        await this.testDone(event.test, state);
        this.handles?.testRunning(false);
        break;
      case 'run_finish':
        await this.runFinish(state);
        break;
      default:
        break;
    }
  }

  /** Outside the test's timeout; its calls of fn are the matcher's, not charged to the test's checks. */
  private async completeLaterExplanations(test: Circus.TestEntry): Promise<void> {
    if (this.laterExplanations.length === 0) return;
    const pending = this.laterExplanations.splice(0);
    await this.pausable.pause();
    try {
      await completeLaterExplanations(test, pending);
    } finally {
      this.pausable.resume();
    }
  }

  private idOf(test: Circus.TestEntry): string {
    let id = this.testIds.get(test);
    if (!id) {
      id = `t${this.tests.size}`;
      this.testIds.set(test, id);
      this.tests.set(id, test);
    }
    return id;
  }

  private endTestWindow(): void {
    this.currentTest = null;
    this.pausable.window(null);
  }

  private async testDone(test: Circus.TestEntry, state: Circus.State): Promise<void> {
    const id = this.currentTest;
    this.endTestWindow();
    if (this.bridge.pending.size > 0) {
      test.errors.push(checkError(NOT_AWAITED_MESSAGE));
      await Promise.allSettled([...this.bridge.pending]);
    }
    if (!id) return;
    for (const check of this.checks) {
      if (this.skipped.has(id, check.name)) continue;
      const judgement = await check.testDone(id);
      if (judgement) this.deliver(check, judgement, state);
    }
  }

  /** In the order the checks ran before: handles outside tests, native, then heap. */
  private async runFinish(state: Circus.State): Promise<void> {
    if (this.handles) await this.fileDone(this.handles, state);
    if (this.nativeOff !== undefined) this.nativeTrackingOff(state, this.nativeOff);
    if (this.native) await this.fileDone(this.native, state);
    if (this.heap) {
      // Every test and afterAll has run: mock call records (jest.fn() keeps every argument) can go,
      // so that what a module-level mock recorded is not counted against the test that called it.
      this.moduleMocker?.clearAllMocks();
      await this.fileDone(this.heap, state);
    }
  }

  private async fileDone(check: TestCheck, state: Circus.State): Promise<void> {
    const judgements = await check.fileDone((owner) => this.skipped.has(owner, check.name));
    // The file's first, then the tests in the order they started.
    const ids = [...this.tests.keys()];
    const order = (owner: string | null) => (owner === null ? -1 : ids.indexOf(owner));
    for (const judgement of judgements.sort((a, b) => order(a.owner) - order(b.owner))) this.deliver(check, judgement, state);
  }

  /**
   * The native check is on but cannot run: a file that loaded native addons of the project fails
   * (`warn`: a warning), since their leaks would go unseen; otherwise one warning per worker
   * process says what is not covered, or with the leakproof reporter one line for the run.
   */
  private nativeTrackingOff(state: Circus.State, reason: string): void {
    const addons = projectAddons(this.addonsBefore ?? { loaded: [] });
    if (addons.length > 0) {
      const message = nativeTrackingOffMessage(reason, addons);
      if (this.options.native.mode === 'fail') state.unhandledErrors.push(checkError(message));
      else this.warn(message);
      return;
    }
    if (saidNotCovered || this.recorder.enabled) return; // the reporter says it for the run (its record has nativeTracking)
    saidNotCovered = true;
    this.warn(nativeNotCoveredMessage(reason));
  }

  /** A judgement to Jest: a test (or file) error when it failed, else a warning; and to the reporter's record. */
  private deliver(check: TestCheck, judgement: Judgement, state: Circus.State): void {
    const test = judgement.owner === null ? undefined : this.tests.get(judgement.owner);
    const message = judgementMessage(check.name, judgement);
    if (judgement.outcome === 'failed') (test ? test.errors : state.unhandledErrors).push(checkError(message));
    else this.warn(warningMessage(check.name, message, test && titlePathOf(test).join(' > ')));
    this.recorder.add(test, { source: check.name, outcome: judgement.outcome, findings: judgement.findings });
  }

  private warn(message: string): void {
    (this.global.console as Console).warn(message);
  }
}

export { LeakproofEnvironment as TestEnvironment };

function hasConcurrentTests(block: Circus.DescribeBlock): boolean {
  return block.children.some((child) => (child.type === 'test' ? child.concurrent : hasConcurrentTests(child)));
}
