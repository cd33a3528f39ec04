/**
 * These tests drive the tracker themselves (and leak native memory on purpose): the leakproof
 * environment's own native check, which would start the process's tracker first, is off.
 * @jest-environment-options {"leakproof": {"native": {"mode": "off"}}}
 */
import { eventLoopTurn, forceGc } from '@leakproof/core';
import { markNative, nativeCounters, nativeSurvivorsSince, startNativeTracking, type NativeSurvivorSite } from '../index';
import { giveTrackerBack, takeTracker } from './tracker-owner';
import { corpus, corpusSites, functionsOf } from './corpus';

// Native memory whose release depends on the JS garbage collector: wrapped objects, external
// ArrayBuffers, napi_refs, and a bounded cache. N-API finalizers run on a later event-loop turn
// than the GC that found the object dead, so every check collects with turns in between.
const CALLS = 50;

beforeAll(() => {
  takeTracker();
  startNativeTracking({ stackDepth: 8 });
});
afterAll(() => {
  corpus.cacheClear();
  giveTrackerBack();
});

/** GCs with event-loop turns around them: what dies is collected, and its finalizers have run. */
async function collect(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await eventLoopTurn();
    forceGc();
    await eventLoopTurn();
  }
}

/** "allocator count bytes at first <- second" for each corpus site: readable in a failure diff. */
function summary(sites: NativeSurvivorSite[]): string[] {
  return sites.map((s) => `${s.allocator} ${s.count} ${s.bytes} at ${functionsOf(s).slice(0, 2).join(' <- ')}`).sort();
}

describe('a wrapped object (napi_wrap) whose finalizer frees the wrapper but not its payload', () => {
  test('while the instances live, the wrapper and the payload are both live', () => {
    const epoch = markNative();
    const held = Array.from({ length: CALLS }, () => new corpus.LeakyWrapped());
    expect(held[0].payloadSize()).toBe(256);
    expect(summary(corpusSites(nativeSurvivorsSince(epoch)))).toEqual([
      `malloc ${CALLS} ${CALLS * 24} at make_wrapper <- (anonymous namespace)::ConstructLeakyWrapped(napi_env__*, napi_callback_info__*)`,
      `malloc ${CALLS} ${CALLS * 256} at alloc_payload <- (anonymous namespace)::ConstructLeakyWrapped(napi_env__*, napi_callback_info__*)`,
    ]);
  });

  test('after GC: the 256-byte payloads survive, attributed to the allocating function (alloc_payload), not the finalizer', async () => {
    new corpus.LeakyWrapped();
    await collect();
    const epoch = markNative();
    for (let i = 0; i < CALLS; i++) new corpus.LeakyWrapped();
    await collect();
    const sites = corpusSites(nativeSurvivorsSince(epoch));
    // One site: the finalizer did run (every 24-byte wrapper is freed), and forgot the payload.
    expect(sites).toHaveLength(1);
    expect(sites[0]).toMatchObject({ allocator: 'malloc', count: CALLS, bytes: CALLS * 256 });
    expect(sites[0].frames[0]).toMatchObject({ function: 'alloc_payload', object: 'corpus.node' });
    expect(sites[0].frames[1].function).toMatch(/ConstructLeakyWrapped/);
    expect(functionsOf(sites[0])).not.toContain('finalize_wrapper_leaky');
  });

  test('the correct twin (its finalizer frees payload and wrapper) leaves nothing after GC', async () => {
    new corpus.Wrapped();
    await collect();
    const epoch = markNative();
    const held: unknown[] = Array.from({ length: CALLS }, () => new corpus.Wrapped());
    // Live until collected: what the GC and the finalizer release below is really there.
    expect(corpusSites(nativeSurvivorsSince(epoch)).reduce((n, s) => n + s.count, 0)).toBe(2 * CALLS);
    held.length = 0;
    await collect();
    expect(held).toEqual([]);
    expect(corpusSites(nativeSurvivorsSince(epoch))).toEqual([]);
  });
});

test('an external ArrayBuffer: its data is live while the buffer is, and freed by its finalizer after GC', async () => {
  corpus.externalBuffer(1024);
  await collect();
  const epoch = markNative();
  let buffers = Array.from({ length: CALLS }, () => corpus.externalBuffer(1024));
  expect(buffers[0].byteLength).toBe(1024);
  expect(summary(corpusSites(nativeSurvivorsSince(epoch)))).toEqual([
    `malloc ${CALLS} ${CALLS * 1024} at alloc_external_data <- (anonymous namespace)::ExternalBuffer(Napi::CallbackInfo const&)`,
  ]);
  buffers = [];
  await collect();
  expect(buffers).toEqual([]);
  expect(corpusSites(nativeSurvivorsSince(epoch))).toEqual([]);
});

test('a bounded cache that recycles its 8 slots: never more than 8 entries survive, however many calls', () => {
  const slots = corpus.cacheSlots();
  expect(slots).toBe(8);
  corpus.cacheClear();
  const epoch = markNative();
  for (let i = 0; i < 3; i++) corpus.cachePut(i);
  // Filling: each entry is live until evicted.
  expect(summary(corpusSites(nativeSurvivorsSince(epoch)))).toEqual([
    'malloc 3 216 at cache_insert <- (anonymous namespace)::CachePut(Napi::CallbackInfo const&)',
  ]);
  for (let i = 0; i < CALLS; i++) corpus.cachePut(i);
  expect(summary(corpusSites(nativeSurvivorsSince(epoch)))).toEqual([
    `malloc ${slots} ${slots * 72} at cache_insert <- (anonymous namespace)::CachePut(Napi::CallbackInfo const&)`,
  ]);
  for (let i = 0; i < 4 * CALLS; i++) corpus.cachePut(i);
  expect(summary(corpusSites(nativeSurvivorsSince(epoch)))).toEqual([
    `malloc ${slots} ${slots * 72} at cache_insert <- (anonymous namespace)::CachePut(Napi::CallbackInfo const&)`,
  ]);
  corpus.cacheClear();
  expect(corpusSites(nativeSurvivorsSince(epoch))).toEqual([]);
});

describe('a napi_ref never deleted (a JS-heap leak held by a global handle)', () => {
  /** A WeakRef to an object only the addon was given (made in a function: no local keeps it). */
  function handOver(pass: (value: object) => void): WeakRef<object> {
    const value = { kind: 'handed to the addon' };
    pass(value);
    return new WeakRef(value);
  }

  test('the referenced objects stay reachable after GC, yet the tracker sees no native survivor: Node allocates the reference, not the addon', async () => {
    corpus.leakRef();
    const epoch = markNative();
    const leaked = Array.from({ length: CALLS }, () => handOver((value) => corpus.leakRef(value)));
    await collect();
    expect(leaked.filter((ref) => ref.deref() === undefined)).toHaveLength(0);
    expect(corpusSites(nativeSurvivorsSince(epoch))).toEqual([]);
  });

  test('the released twin (napi_delete_reference before returning): the objects are collected', async () => {
    const released = Array.from({ length: CALLS }, () => handOver((value) => corpus.releasedRef(value)));
    await collect();
    expect(released.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
  });
});

test('the malloc-heavy call (manySmallAllocs): 1000 pairs per call, all matched, nothing survives', () => {
  corpus.manySmallAllocs(1000);
  const epoch = markNative();
  const before = nativeCounters();
  for (let i = 0; i < 10; i++) corpus.manySmallAllocs(1000);
  const after = nativeCounters();
  expect(after.totalAllocs - before.totalAllocs).toBeGreaterThanOrEqual(10_000);
  expect(after.totalFrees - before.totalFrees).toBeGreaterThanOrEqual(10_000);
  expect(corpusSites(nativeSurvivorsSince(epoch))).toEqual([]);
});
