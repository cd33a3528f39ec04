import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestEnvironment } from 'jest-environment-node';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import {
  formatBytes,
  formatNativeStack,
  InspectorClient,
  isUserFrame,
  registerOwnCode,
  type LeakCheckRecord,
  type LeakFinding,
} from '@leakproof/core';
import { BRIDGE_KEY, checkpoint, createMatchers, loadedAddons, nativeAccess, type LeakproofBridge } from '@leakproof/jest-matchers';
import { HandleTracker, type OpenHandle } from './handle-tracker';
import { OPTIONS_KEY, resolveEnvironmentOptions, type CheckMode, type ResolvedEnvironmentOptions } from './options';
import { TestHeapCheck } from './test-heap-check';
import { TestNativeCheck } from './test-native-check';
import { LeakRecorder, titlePathOf } from './leak-recorder';

registerOwnCode(path.resolve(__dirname, '..'));

export { resolveEnvironmentOptions, type EnvironmentOptions } from './options';

type Check = 'handles' | 'heap' | 'native';

/**
 * jest-environment-node plus leakproof: every test is checked for handles it left open and for
 * heap it retained; `toNotLeak` / `toLeak` are registered with no setup file.
 * `handleTestEvent` must never throw (a throw aborts the whole file): failures become test errors.
 */
export default class LeakproofEnvironment extends TestEnvironment {
  private readonly options: ResolvedEnvironmentOptions;
  private readonly client = new InspectorClient();
  private readonly handles = new HandleTracker();
  private readonly heap: TestHeapCheck;
  /** Undefined when the native check is off or tracking cannot run (`nativeOff` says why). */
  private readonly native: TestNativeCheck | undefined;
  private readonly nativeOff: string | undefined;
  private readonly bridge: LeakproofBridge;
  private readonly testIds = new WeakMap<Circus.TestEntry, string>();
  private readonly recorder: LeakRecorder;
  private readonly skipped = new Map<string, Set<Check>>();
  private readonly tests = new Map<string, Circus.TestEntry>();
  private currentTest: string | null = null;
  private paused = false;
  /** Where the project's code can run: the hook is only on then (promise hooks cost every await). */
  private readonly runningUserCode = { loading: true, hook: false, test: false, concurrent: false };
  private hookOn = false;
  private nextId = 0;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    const raw = (config.projectConfig.testEnvironmentOptions as Record<string, unknown> | undefined)?.[OPTIONS_KEY];
    this.options = resolveEnvironmentOptions(raw);
    this.heap = new TestHeapCheck(this.client, this.options.heap.samplingInterval, this.options.heap.ignore);
    this.recorder = new LeakRecorder(context.testPath);
    if (this.options.native.mode !== 'off') {
      // Started before the test file loads anything: addons it loads are hooked at dlopen.
      const access = nativeAccess();
      if ('probe' in access) this.native = new TestNativeCheck(access.probe, this.options.native.suppressions);
      else this.nativeOff = access.unavailable;
    }
    const testTimeout = config.globalConfig.testTimeout ?? 5000;
    this.bridge = {
      client: this.client,
      defaults: this.options.matchers,
      // Below Jest's own timeout, so that the matcher's explanatory error wins the race.
      defaultTimeout: Math.max(100, Math.floor(testTimeout * 0.8)),
      pauseTestChecks: () => this.pauseChecks(),
      resumeTestChecks: () => this.resumeChecks(),
      pending: new Set(),
      record: (check) => this.recorder.add(this.currentTest ? this.tests.get(this.currentTest) : undefined, check),
    };
    const global = this.global as unknown as Record<string | symbol, unknown>;
    global[BRIDGE_KEY] = this.bridge;
    global.leakproof = {
      checkpoint,
      /** Turns this test's automatic checks off (all, or one of `handles` / `heap`). */
      skipChecks: (which?: Check) => {
        if (!this.currentTest) throw new Error('leakproof.skipChecks() must be called inside a test');
        const set = this.skipped.get(this.currentTest) ?? new Set<Check>();
        for (const check of which ? [which] : (['handles', 'heap', 'native'] as Check[])) set.add(check);
        this.skipped.set(this.currentTest, set);
      },
    };
  }

  override async setup(): Promise<void> {
    await super.setup();
    this.syncHandleHook();
    // The heap check starts at the first test: module loading before it would only fill the
    // profile with samples nobody is charged for (90% of them in the benchmark).
  }

  override async teardown(): Promise<void> {
    try {
      this.recorder.write(this.nativeOff === undefined ? { available: true } : { available: false, reason: this.nativeOff });
    } catch (error) {
      this.warn(`leakproof: could not write the leak record for the reporter: ${(error as Error).message}`);
    }
    this.handles.disable();
    this.heap.abort();
    this.client.disconnect();
    await super.teardown();
  }

  async handleTestEvent(event: Circus.Event, state: Circus.State): Promise<void> {
    try {
      await this.onEvent(event, state);
    } catch (error) {
      // Never let an internal problem abort the file or pass silently: report it on the file.
      state.unhandledErrors.push(new Error(`leakproof: internal error while checking (${event.name}): ${(error as Error).stack ?? error}`));
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
        // Module code and describe bodies have run; from now on only hooks and tests do.
        this.runningUserCode.loading = false;
        this.runningUserCode.concurrent = hasConcurrentTests(state.rootDescribeBlock);
        this.syncHandleHook();
        break;
      case 'hook_start':
        this.runningUserCode.hook = true;
        this.syncHandleHook();
        break;
      case 'hook_success':
      case 'hook_failure':
        this.runningUserCode.hook = false;
        this.syncHandleHook();
        break;
      case 'test_start': {
        this.runningUserCode.test = true;
        this.syncHandleHook();
        // Concurrent tests interleave: their allocations and handles are checked per file instead.
        const id = event.test.concurrent ? null : this.idOf(event.test);
        this.currentTest = id;
        this.handles.owner = id ?? 'file';
        if (!this.paused && this.options.heap.mode !== 'off' && !this.heap.isStarted) this.heap.start();
        if (!this.paused) this.heap.boundary(id);
        if (!this.paused) this.native?.boundary(id);
        break;
      }
      case 'test_skip':
      case 'test_todo':
        this.endTestWindow();
        break;
      case 'test_done':
        await this.testDone(event.test);
        this.runningUserCode.test = false;
        this.syncHandleHook();
        break;
      case 'run_finish':
        await this.runFinish(state);
        break;
      default:
        break;
    }
  }

  private idOf(test: Circus.TestEntry): string {
    let id = this.testIds.get(test);
    if (!id) {
      id = `t${this.nextId++}`;
      this.testIds.set(test, id);
      this.tests.set(id, test);
    }
    return id;
  }

  private endTestWindow(): void {
    this.currentTest = null;
    this.handles.owner = 'file';
    if (!this.paused) this.heap.boundary(null);
    if (!this.paused) this.native?.boundary(null);
  }

  private async testDone(test: Circus.TestEntry): Promise<void> {
    const id = this.currentTest;
    this.endTestWindow();
    if (this.bridge.pending.size > 0) {
      test.errors.push(
        checkError(
          'leakproof: a toNotLeak()/toLeak() call was not awaited. Write `await expect(fn).toNotLeak()`: an un-awaited matcher keeps calling fn after the test ends and its verdict is lost.',
        ),
      );
      await Promise.allSettled([...this.bridge.pending]);
    }
    if (!id || this.options.handles.mode === 'off' || this.skipped.get(id)?.has('handles')) return;
    const open = await this.waitForHandles(id);
    if (open.length === 0) return;
    const message = describeOpenHandles(open, 'This test');
    if (this.options.handles.mode === 'fail') test.errors.push(checkError(message));
    else this.warn(message);
    this.recorder.add(test, handlesCheck(open, this.options.handles.mode));
    this.handles.forget(id);
  }

  private async waitForHandles(owner: string): Promise<OpenHandle[]> {
    const options = { includeUnref: this.options.handles.includeUnref, ignore: this.options.handles.ignore, isUserStackLine };
    let open = this.handles.openFor(owner, options);
    // Sockets and servers close asynchronously: give them the grace period before judging.
    for (let waited = 0; open.length > 0 && waited < this.options.handles.graceMs; waited += 10) {
      await sleep(10);
      open = this.handles.openFor(owner, options);
    }
    return open;
  }

  private async runFinish(state: Circus.State): Promise<void> {
    if (this.options.handles.mode !== 'off') {
      // Between tests Jest itself runs (hook timeouts, reporters): only handles created by the
      // project's own code (beforeAll, describe bodies, concurrent tests) are the file's.
      const open = (await this.waitForHandles('file')).filter((h) => h.createdByUserCode);
      if (open.length > 0) {
        const message = describeOpenHandles(open, 'Code outside tests (beforeAll, describe bodies, concurrent tests)');
        if (this.options.handles.mode === 'fail') state.unhandledErrors.push(checkError(message));
        else this.warn(message);
        this.recorder.add(undefined, handlesCheck(open, this.options.handles.mode));
      }
    }
    await this.checkNative(state);
    if (this.options.heap.mode === 'off') return;
    // Every test and afterAll has run: mock call records (jest.fn() keeps every argument) can go,
    // so that what a module-level mock recorded is not counted against the test that called it.
    this.moduleMocker?.clearAllMocks();
    await this.heap.collect();
    for (const [id, test] of this.tests) {
      if (this.skipped.get(id)?.has('heap')) continue;
      const retained = this.heap.retainedBy(id);
      if (!retained) continue;
      let mapped: typeof retained.sites | undefined;
      const sites = () => (mapped ??= this.heap.atSourcePositions(retained.sites));
      this.reportRetained(
        test,
        'heap',
        retained.bytes,
        this.options.heap,
        (limit) =>
          [
            `leakproof: this test allocated ~${formatBytes(retained.bytes)} (~${Math.round(retained.objects)} objects) that were still alive at the end of the file (${limit}):`,
            ...sites()
              .slice(0, 5)
              .map((s) => `  ${formatBytes(s.bytes)} in ~${Math.round(s.objects)} objects allocated at ${s.site}`),
            'If a later test or an afterAll needs it, free it there; for a deliberate fixture, call leakproof.skipChecks("heap") in this test ' +
              'or raise testEnvironmentOptions.leakproof.heap.failAboveBytes.',
          ].join('\n'),
        () =>
          sites().map((s) => ({
            kind: 'js-objects',
            what: `objects allocated at ${s.site}`,
            countPerCall: s.objects,
            bytesPerCall: s.bytes,
            per: 'test',
            perRound: [],
            site: s.site,
          })),
      );
    }
  }

  /** Native blocks each test left live at the end of the file; or why they cannot be checked. */
  private async checkNative(state: Circus.State): Promise<void> {
    const { mode } = this.options.native;
    if (mode === 'off') return;
    if (!this.native) {
      const addons = loadedAddons();
      if (addons.length === 0) return; // nothing native to track
      const message =
        `leakproof: native allocation tracking is off: ${this.nativeOff}. This file loaded native addons (${addons.join(', ')}) ` +
        'whose leaks cannot be checked. Fix the cause, or set testEnvironmentOptions.leakproof.native.mode to "off".';
      if (mode === 'fail') state.unhandledErrors.push(checkError(message));
      else this.warn(message);
      return;
    }
    const retained = await this.native.collect();
    for (const [id, test] of this.tests) {
      const entry = retained.get(id);
      if (!entry || this.skipped.get(id)?.has('native')) continue;
      this.reportRetained(
        test,
        'native',
        entry.bytes,
        this.options.native,
        (limit) =>
          [
            `leakproof: this test allocated ${formatBytes(entry.bytes)} of native memory (${entry.blocks} blocks) that was still allocated at the end of the file (${limit}):`,
            ...entry.sites
              .slice(0, 5)
              .map(
                (s) =>
                  `  ${formatBytes(s.bytes)} in ${s.blocks} block${s.blocks === 1 ? '' : 's'} at ${formatNativeStack(s.allocator, s.frames, 6)}`,
              ),
            'Free it (a missing free, delete, or napi_delete_reference), release it in afterAll, or for a deliberate cache call ' +
              'leakproof.skipChecks("native") or add testEnvironmentOptions.leakproof.native.suppressions.',
          ].join('\n'),
        () =>
          entry.sites.map((s) => ({
            kind: 'native',
            what: `native memory allocated in ${s.name}`,
            countPerCall: s.blocks,
            bytesPerCall: s.bytes,
            per: 'test',
            perRound: [],
            site: s.name,
            allocator: s.allocator,
            nativeStack: s.frames,
          })),
      );
    }
  }

  /**
   * The rule shared by the per-test size checks: fail above failAboveBytes (in fail mode), warn
   * above warnAboveBytes, and keep the check for the reporter either way.
   */
  private reportRetained(
    test: Circus.TestEntry,
    source: 'heap' | 'native',
    bytes: number,
    limits: { mode: CheckMode; failAboveBytes: number; warnAboveBytes: number },
    describe: (limit: string) => string,
    findings: () => LeakFinding[],
  ): void {
    const fails = limits.mode === 'fail' && bytes > limits.failAboveBytes;
    if (!fails && bytes <= limits.warnAboveBytes) return;
    const message = describe(`${fails ? 'fail' : 'warn'} above ${formatBytes(fails ? limits.failAboveBytes : limits.warnAboveBytes)}`);
    if (fails) test.errors.push(checkError(message));
    else this.warn(`${testName(test)}: ${message}`);
    this.recorder.add(test, { source, outcome: fails ? 'failed' : 'warned', findings: findings() });
  }

  /**
   * Around a matcher or checkpoint: the sampling heap profiler is one per process, and the
   * measurement must not see the checks' own bookkeeping. The matcher judges handles per call.
   */
  private async pauseChecks(): Promise<void> {
    if (this.paused) return;
    this.paused = true;
    this.syncHandleHook();
    // The matcher judges its own calls; the test's window resumes after it.
    this.native?.boundary(null);
    if (this.options.heap.mode !== 'off') await this.heap.collect();
  }

  private resumeChecks(): void {
    if (!this.paused) return;
    this.paused = false;
    this.syncHandleHook();
    this.native?.boundary(this.currentTest);
    if (this.options.heap.mode === 'off') return;
    this.heap.start();
    this.heap.boundary(this.currentTest);
  }

  private syncHandleHook(): void {
    const { loading, hook, test, concurrent } = this.runningUserCode;
    const want = this.options.handles.mode !== 'off' && !this.paused && (loading || hook || test || concurrent);
    if (want === this.hookOn) return;
    this.hookOn = want;
    if (want) this.handles.enable();
    else this.handles.pause();
  }

  private warn(message: string): void {
    (this.global.console as Console).warn(message);
  }
}

export { LeakproofEnvironment as TestEnvironment };

/** Handles created together (a child process and its stdio pipes) are listed as one entry. */
function describeOpenHandles(open: OpenHandle[], who: string): string {
  const bySite = new Map<string, string[]>();
  for (const handle of open) {
    const key = handle.createdAt.join('\n');
    bySite.set(key, [...(bySite.get(key) ?? []), handle.type]);
  }
  const entries = [...bySite].map(([createdAt, types]) => {
    const counts = [...new Set(types)].map((t) =>
      types.filter((x) => x === t).length > 1 ? `${t} x${types.filter((x) => x === t).length}` : t,
    );
    const where = createdAt
      ? createdAt
          .split('\n')
          .map((l) => `      ${l}`)
          .join('\n')
      : '      (no stack)';
    return `  ${counts.join(' + ')} created at\n${where}`;
  });
  return (
    `leakproof: ${who} left ${open.length} open handle${open.length === 1 ? '' : 's'}:\n${entries.join('\n')}\n` +
    'Close them (clearInterval, server.close(), socket.destroy(), child.kill()) before the test ends, or unref() them.'
  );
}

/** An error that shows only its message: the stack would point into leakproof, not the test. */
function checkError(message: string): Error {
  const error = new Error(message);
  error.stack = message;
  return error;
}

function hasConcurrentTests(block: Circus.DescribeBlock): boolean {
  return block.children.some((child) => (child.type === 'test' ? child.concurrent : hasConcurrentTests(child)));
}

function testName(test: Circus.TestEntry): string {
  return titlePathOf(test).join(' > ');
}

function handlesCheck(open: OpenHandle[], mode: 'fail' | 'warn' | 'off'): LeakCheckRecord {
  const byType = new Map<string, OpenHandle[]>();
  for (const handle of open) byType.set(handle.type, [...(byType.get(handle.type) ?? []), handle]);
  return {
    source: 'handles',
    outcome: mode === 'fail' ? 'failed' : 'warned',
    findings: [...byType].map(([type, handles]) => ({
      kind: 'handles' as const,
      what: type,
      countPerCall: handles.length,
      bytesPerCall: 0,
      per: 'test' as const,
      perRound: [],
      site: handles[0].createdAt.find(isUserStackLine)?.trim().replace(/^at /, ''),
    })),
  };
}

/** `at fn (/path/file.js:1:2)` lines whose file is the project's own code. */
function isUserStackLine(line: string): boolean {
  const match = /\(?((?:file:\/\/)?[^()\s]+):(\d+):(\d+)\)?$/.exec(line);
  if (!match) return false;
  return isUserFrame({ functionName: '', url: match[1], line: Number(match[2]), column: Number(match[3]) });
}
