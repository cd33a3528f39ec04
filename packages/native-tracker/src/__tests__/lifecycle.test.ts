/**
 * These tests drive the tracker themselves (and leak native memory on purpose): the leakproof
 * environment's own native check, which would start the process's tracker first, is off.
 * @jest-environment-options {"leakproof": {"native": {"mode": "off"}}}
 */
import { OptionsError } from '@leakproof/core';
import {
  DEFAULT_SKIP_OBJECTS,
  hookedSlotsOf,
  isNativeTrackingRunning,
  markNative,
  nativeCounters,
  nativeObjects,
  nativeSurvivorsSince,
  startNativeTracking,
  stopNativeTracking,
} from '../index';
import { giveTrackerBack, takeTracker } from './tracker-owner';
import { corpus, corpusSites } from './corpus';

// One tracker per process: every test leaves it stopped, whatever happens.

/** The error fn throws. (Not `toThrow`: its first use in a file keeps ~190 KB of Jest's stack
 * formatting caches alive, which the environment's per-test heap check would report.) */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}
beforeAll(() => {
  takeTracker();
});
afterEach(() => {
  stopNativeTracking();
});
afterAll(() => {
  giveTrackerBack();
});

function hooked(needle: string): Record<string, boolean> {
  return Object.fromEntries(hookedSlotsOf(needle).map((s) => [s.symbol, s.hooked]));
}

test("start patches the addon's GOT and stop restores every slot", () => {
  corpus.cleanMalloc(); // loaded and bound before start
  const before = hooked('corpus.node');
  expect(before).toMatchObject({ malloc: false, free: false, calloc: false, realloc: false, dlopen: false });
  startNativeTracking();
  expect(isNativeTrackingRunning()).toBe(true);
  expect(hooked('corpus.node')).toMatchObject({
    malloc: true,
    free: true,
    calloc: true,
    realloc: true,
    posix_memalign: true,
    dlopen: true,
  });
  expect(stopNativeTracking()).toBe(true);
  expect(isNativeTrackingRunning()).toBe(false);
  expect(hooked('corpus.node')).toEqual(before);
  // The addon still works through the restored (lazily or eagerly bound) entries.
  corpus.cleanMalloc();
  corpus.cleanCalloc();
});

test('which objects are tracked: addons and what they load, never node, libc or the tracker', () => {
  corpus.cleanMalloc();
  const report = startNativeTracking();
  expect(report.tracked.some((p) => p.endsWith('/corpus.node'))).toBe(true);
  expect(report.tracked.some((p) => p.endsWith('/corpus_helper.so'))).toBe(true);
  const byName = (re: RegExp) => nativeObjects().find((o) => re.test(o.path));
  expect(byName(/\/libc\.so/)).toMatchObject({ tracked: false });
  expect(byName(/leakproof_native_tracker\.node$/)).toMatchObject({ tracked: false, reason: 'the tracker itself', hookedSlots: 0 });
  const executable = nativeObjects()[0];
  expect(executable).toMatchObject({ tracked: false, reason: 'the executable (node itself)' });
  // Only dlopen is hooked in node itself: it loads the addons that `require` brings in.
  expect(executable.hookedSlots).toBeGreaterThanOrEqual(1);
  for (const skipped of nativeObjects().filter((o) => !o.tracked)) expect(skipped.reason).not.toBe('tracked');
});

test('double stop, stop without start and start after stop are harmless', () => {
  expect(stopNativeTracking()).toBe(false);
  startNativeTracking();
  expect(stopNativeTracking()).toBe(true);
  expect(stopNativeTracking()).toBe(false);
  startNativeTracking();
  const epoch = markNative();
  corpus.leakTiny();
  expect(corpusSites(nativeSurvivorsSince(epoch))).toHaveLength(1);
  expect(stopNativeTracking()).toBe(true);
});

test('a second start while running is an error, not a silent re-install', () => {
  startNativeTracking();
  expect(thrown(() => startNativeTracking()).message).toMatch(/already running in this process: stop\(\) it first/);
  expect(isNativeTrackingRunning()).toBe(true);
});

test('free(NULL) passes through and changes no counter', () => {
  startNativeTracking();
  const before = nativeCounters();
  corpus.freeNull();
  const after = nativeCounters();
  expect(after.totalFrees).toBe(before.totalFrees);
  expect(after.ignoredFrees).toBe(before.ignoredFrees);
});

test('a free of a block allocated before start is ignored, not matched', () => {
  corpus.releaseRecord();
  corpus.holdRecord(); // made while stopped
  startNativeTracking();
  const before = nativeCounters();
  corpus.releaseRecord();
  const after = nativeCounters();
  expect(after.ignoredFrees - before.ignoredFrees).toBe(1);
  expect(after.totalFrees).toBe(before.totalFrees);
  expect(after.liveBlocks).toBe(before.liveBlocks);
});

test('counters: live bytes and blocks, totals', () => {
  startNativeTracking();
  const before = nativeCounters();
  for (let i = 0; i < 10; i++) corpus.leakMalloc();
  for (let i = 0; i < 5; i++) corpus.cleanMalloc();
  const after = nativeCounters();
  expect(after.liveBlocks - before.liveBlocks).toBe(10);
  expect(after.liveBytes - before.liveBytes).toBe(640);
  expect(after.totalAllocs - before.totalAllocs).toBe(15);
  expect(after.totalFrees - before.totalFrees).toBe(5);
  expect(after.dropped).toBe(0);
});

test('counting only (stackDepth 0): survivors are grouped by allocator, with no frames', () => {
  startNativeTracking({ stackDepth: 0 });
  const epoch = markNative();
  for (let i = 0; i < 7; i++) corpus.leakCalloc();
  const calloc = nativeSurvivorsSince(epoch).find((s) => s.allocator === 'calloc');
  expect(calloc).toMatchObject({ count: 7, bytes: 7 * 128, frames: [] });
});

test('the skip list keeps an object out: its allocations are not seen', () => {
  startNativeTracking({ skip: [...DEFAULT_SKIP_OBJECTS, 'corpus_helper'] });
  expect(nativeObjects().find((o) => o.path.endsWith('/corpus_helper.so'))).toMatchObject({
    tracked: false,
    reason: 'skip list: corpus_helper',
  });
  const epoch = markNative();
  corpus.helperLeak();
  corpus.leakTiny();
  const sites = corpusSites(nativeSurvivorsSince(epoch));
  expect(sites.map((s) => s.frames[0].function)).toEqual(['tiny_alloc']);
});

test('bad options are rejected before anything is patched', () => {
  expect(thrown(() => startNativeTracking({ stackDepth: 17 })).message).toBe(
    'leakproof: options.stackDepth must be an integer from 0 to 16, got 17',
  );
  expect(thrown(() => startNativeTracking({ stackDepth: -1 }))).toBeInstanceOf(OptionsError);
  expect(thrown(() => startNativeTracking({ skip: [1] as unknown as string[] })).message).toBe(
    'leakproof: options.skip must be an array of path substrings, got [1]',
  );
  expect(thrown(() => startNativeTracking({ stackMemo: 'no' as unknown as boolean })).message).toBe(
    'leakproof: options.stackMemo must be true or false, got "no"',
  );
  expect(thrown(() => startNativeTracking({ stackDeph: 4 } as never)).message).toBe(
    'leakproof: unknown option options.stackDeph. Valid options: stackDepth, stackMemo, skip, skipExecutableDeps',
  );
  expect(isNativeTrackingRunning()).toBe(false);
});
