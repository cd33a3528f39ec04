import type { NativeCorpus } from '@leakproof/native-corpus';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const corpus = require('@leakproof/native-corpus') as NativeCorpus;

describe('addon-made JS objects and native memory behind them', () => {
  test('a napi_ref never deleted: Array +1 per call, retained by a global handle', async () => {
    let message = '';
    try {
      await expect(() => corpus.leakRef()).toNotLeak();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/Array: \+1 per call/);
    expect(message).toMatch(/retained by a global handle: a napi_ref/);
    expect(message).toMatch(/retained by: \(GC roots: global handle\)/);
    // Only the array: no JIT metadata reported beside it.
    expect(message.match(/^\S.*: \+[\d.]+ per call/gm)).toEqual([expect.stringMatching(/^Array: \+1 per call/)]);
  });

  test('the same reference deleted before returning passes', async () => {
    await expect(() => corpus.releasedRef()).toNotLeak();
  });

  test('a wrapped object whose finalizer forgets its payload leaks 256 B per call, named after alloc_payload', async () => {
    await expect(() => new corpus.LeakyWrapped()).toLeak({ kind: 'native', what: 'alloc_payload', bytesPerCall: 256 });
  });

  test('the correct wrapped twin, an external ArrayBuffer and a bounded cache pass', async () => {
    await expect(() => new corpus.Wrapped()).toNotLeak();
    await expect(() => corpus.externalBuffer(1024)).toNotLeak();
    let key = 0;
    await expect(() => corpus.cachePut(key++)).toNotLeak();
    corpus.cacheClear();
  });

  test('1000 small allocations per call, all freed', async () => {
    await expect(() => corpus.manySmallAllocs(1000)).toNotLeak();
  });
});
