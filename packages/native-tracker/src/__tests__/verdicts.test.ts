/**
 * These tests drive the tracker themselves (and leak native memory on purpose): the leakproof
 * environment's own native check, which would start the process's tracker first, is off.
 * @jest-environment-options {"leakproof": {"native": {"mode": "off"}}}
 */
import { formatLossRecord, markNative, nativeCounters, nativeSurvivorsSince, startNativeTracking, type NativeSurvivorSite } from '../index';
import { giveTrackerBack, takeTracker } from './tracker-owner';
import { corpus, corpusSites, functionsOf } from './corpus';

// Each corpus function's verdict, pinned: a leaking one leaves exactly one block per call at the
// named allocator and function; its clean look-alike leaves none.
const CALLS = 50;

beforeAll(() => {
  takeTracker();
  startNativeTracking({ stackDepth: 8 });
});
afterAll(() => {
  giveTrackerBack();
});

/** Survivors of `CALLS` calls, after one warm-up call (one-time initialisation is not a leak). */
async function survivorsOf(call: () => unknown): Promise<NativeSurvivorSite[]> {
  await call();
  const epoch = markNative();
  for (let i = 0; i < CALLS; i++) await call();
  return corpusSites(nativeSurvivorsSince(epoch));
}

interface Leak {
  name: string;
  call: () => unknown;
  allocator: string;
  bytes: number;
  /** The corpus function that called the allocator: the first frame. */
  at: RegExp;
  object?: string;
}

const leaks: Leak[] = [
  { name: 'malloc without free', call: () => corpus.leakMalloc(), allocator: 'malloc', bytes: 64, at: /^make_record$/ },
  { name: 'leak on the not-found branch', call: () => corpus.lookup('nobody'), allocator: 'malloc', bytes: 48, at: /^lookup$/ },
  { name: 'calloc', call: () => corpus.leakCalloc(), allocator: 'calloc', bytes: 128, at: /^calloc_table$/ },
  {
    name: 'realloc (the survivor is the grown block)',
    call: () => corpus.leakRealloc(),
    allocator: 'realloc',
    bytes: 256,
    at: /^grow_buffer$/,
  },
  {
    name: 'posix_memalign',
    call: () => corpus.leakAligned('posix_memalign'),
    allocator: 'posix_memalign',
    bytes: 96,
    at: /^aligned_block/,
  },
  { name: 'aligned_alloc', call: () => corpus.leakAligned('aligned_alloc'), allocator: 'aligned_alloc', bytes: 96, at: /^aligned_block/ },
  { name: 'memalign', call: () => corpus.leakAligned('memalign'), allocator: 'memalign', bytes: 96, at: /^aligned_block/ },
  { name: 'valloc', call: () => corpus.leakAligned('valloc'), allocator: 'valloc', bytes: 96, at: /^aligned_block/ },
  { name: 'strdup (allocated inside libc)', call: () => corpus.leakStrdup(), allocator: 'strdup', bytes: 24, at: /^copy_name$/ },
  { name: '8-byte leaks', call: () => corpus.leakTiny(), allocator: 'malloc', bytes: 8, at: /^tiny_alloc$/ },
  {
    name: 'a library the addon links',
    call: () => corpus.helperLeak(),
    allocator: 'malloc',
    bytes: 32,
    at: /^helper_make_buffer$/,
    object: 'corpus_helper.so',
  },
  { name: 'a std::thread', call: () => corpus.leakOnOtherThread(1), allocator: 'malloc', bytes: 32, at: /^thread_alloc/ },
  {
    name: 'the libuv thread pool (AsyncWorker)',
    call: () => corpus.poolAlloc(1, true),
    allocator: 'malloc',
    bytes: 40,
    at: /^worker_alloc/,
  },
  {
    name: 'a library the addon dlopens after start',
    call: () => corpus.pluginLeak(),
    allocator: 'malloc',
    bytes: 24,
    at: /^plugin_make_state$/,
    object: 'corpus_plugin.so',
  },
];

test.each(leaks)('leaks: $name', async ({ call, allocator, bytes, at, object }) => {
  const sites = await survivorsOf(call);
  expect(sites).toHaveLength(1);
  const [site] = sites;
  expect(site).toMatchObject({ allocator, count: CALLS, bytes: CALLS * bytes });
  expect(site.frames[0].function).toMatch(at);
  expect(site.frames[0].object).toBe(object ?? 'corpus.node');
});

const clean: Array<{ name: string; call: () => unknown }> = [
  { name: 'malloc + free', call: () => corpus.cleanMalloc() },
  { name: 'lookup that finds its key', call: () => corpus.lookup('ada') },
  { name: 'fixed lookup, not found', call: () => corpus.lookupFixed('nobody') },
  { name: 'one-time static allocation, after its first call', call: () => corpus.initOnce() },
  { name: 'calloc + free', call: () => corpus.cleanCalloc() },
  { name: 'realloc + free', call: () => corpus.cleanRealloc() },
  ...(['posix_memalign', 'aligned_alloc', 'memalign', 'valloc'] as const).map((kind) => ({
    name: `${kind} + free`,
    call: () => corpus.cleanAligned(kind),
  })),
  { name: 'strdup + free', call: () => corpus.cleanStrdup() },
  { name: '8 bytes + free', call: () => corpus.cleanTiny() },
  { name: 'linked library, freed there', call: () => corpus.helperClean() },
  { name: 'allocated here, freed on a std::thread', call: () => corpus.freeOnOtherThread(3) },
  { name: 'allocated and freed on the libuv pool', call: () => corpus.poolAlloc(3, false) },
];

test.each(clean)('clean: $name', async ({ call }) => {
  expect(await survivorsOf(call)).toEqual([]);
});

test('a free on another thread matches its allocation (not ignored)', () => {
  const before = nativeCounters();
  corpus.freeOnOtherThread(20);
  const after = nativeCounters();
  expect(after.totalFrees - before.totalFrees).toBe(20);
  expect(after.ignoredFrees).toBe(before.ignoredFrees);
  expect(after.liveBlocks).toBe(before.liveBlocks);
});

test('the leak on the not-found branch is only there for keys that are not found', async () => {
  const epoch = markNative();
  for (const key of ['ada', 'nobody', 'grace', 'nemo', 'edsger']) corpus.lookup(key);
  const [site, ...rest] = corpusSites(nativeSurvivorsSince(epoch));
  expect(rest).toEqual([]);
  expect(site).toMatchObject({ count: 2, bytes: 96 });
});

test("the whole stack is symbolized: the binding that called it, then Node's N-API glue", async () => {
  const [site] = await survivorsOf(() => corpus.leakMalloc());
  const names = functionsOf(site);
  expect(names[0]).toBe('make_record');
  expect(names[1]).toMatch(/LeakMalloc\(Napi::CallbackInfo const&\)/);
  expect(site.frames.length).toBeGreaterThan(2);
  expect(site.frames.length).toBeLessThanOrEqual(8);
});

test('one allocating function called from two places is two sites, even on the same stack path', () => {
  // Both bindings call make_record from the same JS loop at the same stack depth: only the
  // return addresses above make_record differ, which the per-thread stack memo must notice.
  const epoch = markNative();
  for (let i = 0; i < 20; i++) {
    corpus.leakMalloc();
    corpus.leakMallocElsewhere();
  }
  const sites = corpusSites(nativeSurvivorsSince(epoch));
  expect(sites).toHaveLength(2);
  const callers = sites
    .map((s) => `${s.frames[0].function} <- ${(s.frames[1].function ?? '').replace(/\(Napi::CallbackInfo const&\)$/, '')} x${s.count}`)
    .sort();
  expect(callers).toEqual([
    'make_record <- (anonymous namespace)::LeakMalloc x20',
    'make_record <- (anonymous namespace)::LeakMallocElsewhere x20',
  ]);
});

test("a loss record reads like valgrind's", async () => {
  const [site] = await survivorsOf(() => corpus.lookup('nobody'));
  expect(formatLossRecord(site, { calls: CALLS, maxFrames: 2 })).toMatch(
    /^48 B\/call \(50 blocks\) at malloc <- lookup \(corpus\.node\+0x[0-9a-f]+\) <- \(anonymous namespace\)::Lookup\(Napi::CallbackInfo const&\) \(corpus\.node\+0x[0-9a-f]+\) <- \.\.\.$/,
  );
  expect(formatLossRecord({ ...site, count: 1, bytes: 48 })).toMatch(/^48 B in 1 block at malloc <- lookup \(corpus\.node\+0x/);
});
