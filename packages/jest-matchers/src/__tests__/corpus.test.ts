import { clean, leaks } from '@leakproof/leak-corpus';

// Every verdict of the corpus, measured twice in independent runs: a verdict must be stable.
// The second run skips the heap snapshot (explain: false): the verdict alone is what must repeat.
describe('leaking cases are caught with what grew and how much per call', () => {
  test.each(leaks.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    for (const explain of [true, false]) {
      const { fn, cleanup } = c.create();
      try {
        if (explain) await expect(fn).toLeak({ what: c.what, kind: c.kind, perCall: c.perCall });
        else await expect(fn).toLeak({ explain: false });
      } finally {
        cleanup?.();
      }
    }
  });
});

describe('clean look-alikes pass', () => {
  test.each(clean.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const { fn } = c.create();
      await expect(fn).toNotLeak();
    }
  });
});
