import type { NativeCorpus } from '@leakproof/native-corpus';

// Loaded in the test, after the environment started the tracker: the dlopen hook patches it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const corpus = require('@leakproof/native-corpus') as NativeCorpus;

describe('native leaks are caught per call, named after the allocating function', () => {
  const leaks: Array<[string, () => unknown, string, number]> = [
    ['malloc without free', () => corpus.leakMalloc(), 'make_record', 64],
    ['a leak only on the not-found branch', () => corpus.lookup('nobody'), 'lookup', 48],
    ['calloc', () => corpus.leakCalloc(), 'calloc_table', 128],
    ['strdup', () => corpus.leakStrdup(), 'copy_name', 24],
    ['8 bytes per call', () => corpus.leakTiny(), 'tiny_alloc', 8],
    ['in a library the addon links', () => corpus.helperLeak(), 'helper_make_buffer', 32],
    ['on another thread', () => corpus.leakOnOtherThread(2), 'thread_alloc', 64],
    ['on the libuv pool', () => corpus.poolAlloc(2, true), 'worker_alloc', 80],
  ];
  test.each(leaks)('%s', async (_name, fn, allocatedIn, bytesPerCall) => {
    await expect(fn).toLeak({ kind: 'native', what: allocatedIn, bytesPerCall });
  });

  test('the failure message reads like a valgrind loss record', async () => {
    let message = '';
    try {
      await expect(() => corpus.leakMalloc()).toNotLeak();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(
      /native memory allocated in make_record \(corpus\.node\): \+64 B per call in 1 block \(never freed; blocks left per round: (\d+, ){4}\d+\)/,
    );
    expect(message).toMatch(
      /allocated at: malloc <- make_record \(corpus\.node\) <- LeakMalloc \(corpus\.node\) <- Napi::details::CallbackData<\.\.\.>::Wrapper \(corpus\.node\)\n/,
    );
  });
});

describe('clean look-alikes and one-time initialisation pass', () => {
  const clean: Array<[string, () => unknown]> = [
    ['malloc then free', () => corpus.cleanMalloc()],
    ['the found branch of the leaky lookup', () => corpus.lookup('ada')],
    ['the fixed lookup, not-found branch', () => corpus.lookupFixed('nobody')],
    ['a one-time static allocation', () => corpus.initOnce()],
    ['calloc then free', () => corpus.cleanCalloc()],
    ['8 bytes then free', () => corpus.cleanTiny()],
    ['freed on another thread', () => corpus.freeOnOtherThread(2)],
    ['the libuv pool, freed', () => corpus.poolAlloc(2, false)],
    ['a linked library, freed', () => corpus.helperClean()],
  ];
  test.each(clean)('%s', async (_name, fn) => {
    await expect(fn).toNotLeak();
  });
});

describe('suppressions', () => {
  test('a suppressed function is left out, like a valgrind suppression', async () => {
    await expect(() => corpus.leakTiny()).toNotLeak({ nativeSuppressions: ['tiny_alloc'] });
    await expect(() => corpus.helperLeak()).toNotLeak({ nativeSuppressions: [/corpus_helper\.so/] });
  });

  test('native: "off" measures JS only', async () => {
    await expect(() => corpus.leakMalloc()).toNotLeak({ native: 'off' });
  });

  test('a bad native option is rejected with the valid values', async () => {
    await expect(expect(() => 1).toNotLeak({ native: 'yes' as never })).rejects.toThrow(
      /leakproof: options\.native must be one of "auto", "required", "off", got "yes"/,
    );
  });
});
