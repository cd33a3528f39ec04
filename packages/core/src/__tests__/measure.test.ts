/** @jest-environment node */
import {
  CallFailedError,
  formatVerdict,
  InspectorClient,
  MeasurementTimeoutError,
  measureLeaks,
  resolveLeakOptions,
  retainerPathText,
  siteText,
  whatText,
  type CallUnderTest,
  type KnownSurvivors,
  type LeakOptions,
  type LeakVerdict,
} from '@leakproof/core';

// The engine end to end, as the adapters use it: from the built package (the heap snapshot
// explanation runs in a worker thread started from dist/), with an inspector session of its own.
// Jest's plain node environment (docblock above): no per-test check samples beside it.
const client = new InspectorClient();
afterAll(() => client.disconnect());

function measure(fn: CallUnderTest, options: LeakOptions = {}, knownSurvivors?: KnownSurvivors[]): Promise<LeakVerdict> {
  return measureLeaks(fn, resolveLeakOptions(options), { client, knownSurvivors });
}

async function failure(fn: CallUnderTest, options: LeakOptions = {}): Promise<unknown> {
  try {
    await measure(fn, options);
  } catch (error) {
    return error;
  }
  throw new Error('measureLeaks resolved, expected it to fail');
}

// The heap snapshot that names a leak's class is only taken when the timeout leaves time for it
// (seconds on a Jest worker's heap): these measurements get a generous one.
const EXPLAIN_TIMEOUT = 30_000;

class MeasuredLeakRecord {
  constructor(readonly n: number) {}
}

test('a function that keeps nothing does not leak', async () => {
  let calls = 0;
  const verdict = await measure(
    () => {
      calls++;
      const temp = { a: [1, 2, 3], s: `call ${calls}` };
      return JSON.stringify(temp).length;
    },
    { explain: false },
  );
  expect(verdict.leaked).toBe(false);
  expect(verdict.findings).toEqual([]);
  expect(verdict.totalCalls).toBe(calls);
  // 16 warm-up calls then at least one run of 5 rounds x 16 calls.
  expect(calls).toBeGreaterThanOrEqual(16 + 5 * 16);
  expect(verdict.runs[0]).toMatchObject({ warmupCalls: 16, callsPerRound: 16, rounds: 5, growing: [] });
});

test('a function that keeps one object per call leaks: the class, ~1 per call, its holder and where it was made', async () => {
  const store: MeasuredLeakRecord[] = [];
  let i = 0;
  const verdict = await measure(
    function keepRecord() {
      store.push(new MeasuredLeakRecord(i++));
    },
    { timeout: EXPLAIN_TIMEOUT },
  );
  expect(verdict.leaked).toBe(true);
  const finding = verdict.findings.find((f) => f.name === 'MeasuredLeakRecord');
  expect(finding).toBeDefined();
  expect(finding!.kind).toBe('js-objects');
  expect(finding!.count).toBeGreaterThan(0.75);
  expect(finding!.count).toBeLessThan(1.25);
  expect(finding!.bytes).toBeGreaterThan(0);
  expect(finding!.per).toBe('call');
  expect(retainerPathText(finding!.retainers!, finding!.name).join(' -> ')).toMatch(/store \(closure variable\)/);
  expect(finding!.retainers).toContainEqual(expect.objectContaining({ edgeKind: 'context', edge: 'store' }));
  expect(siteText(finding!.site!)).toMatch(/^keepRecord \(.*measure\.test\.ts:\d+:\d+\)$/);
  expect(finding!.site).toMatchObject({ lang: 'js', function: 'keepRecord', file: __filename });
  expect(finding!.stack).toContainEqual(finding!.site);
  expect(finding!.perRound.length).toBe(verdict.runs[verdict.runs.length - 1].rounds);
  for (const n of finding!.perRound) expect(n).toBeGreaterThan(0);
  // Every call of the measurement kept its record.
  expect(store.length).toBe(verdict.totalCalls);
});

describe('the code under test fails: CallFailedError carries its own error', () => {
  test('fn throws on call N: the original error is the cause, no call after it', async () => {
    const own = new TypeError('boom on call 40');
    let calls = 0;
    const error = await failure(() => {
      calls++;
      if (calls === 40) throw own;
    });
    expect(error).toBeInstanceOf(CallFailedError);
    expect((error as CallFailedError).cause).toBe(own);
    expect((error as CallFailedError).callNumber).toBe(40);
    expect((error as Error).message).toContain('call 40');
    expect(calls).toBe(40);
  });

  test('fn throws a non-Error value on the first call', async () => {
    const error = await failure(() => {
      throw 'plain string';
    });
    expect(error).toBeInstanceOf(CallFailedError);
    expect((error as CallFailedError).cause).toBe('plain string');
    expect((error as CallFailedError).callNumber).toBe(1);
  });

  test('an async fn rejects on call N: the rejection reason is the cause', async () => {
    const own = new Error('rejected on call 3');
    let calls = 0;
    const error = await failure(async () => {
      calls++;
      await Promise.resolve();
      if (calls === 3) throw own;
    });
    expect(error).toBeInstanceOf(CallFailedError);
    expect((error as CallFailedError).cause).toBe(own);
    expect((error as CallFailedError).callNumber).toBe(3);
    expect(calls).toBe(3);
  });
});

describe('no verdict in time: MeasurementTimeoutError', () => {
  test('an async fn whose promise never settles', async () => {
    let calls = 0;
    const started = performance.now();
    const error = await failure(
      () => {
        calls++;
        return new Promise(() => {});
      },
      { timeout: 300 },
    );
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(MeasurementTimeoutError);
    expect((error as Error).message).toContain('no verdict within 300 ms');
    expect((error as Error).message).toContain('call 1 returned a promise that did not settle');
    expect((error as Error).message).toContain(
      'Raise the test\'s timeout (test(name, fn, ms), jest.setTimeout(ms) or testTimeout: leakproof takes 80% of it) or the "timeout" option',
    );
    expect(calls).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3000);
  });

  test('a slow synchronous fn that cannot finish the calls in time', async () => {
    let calls = 0;
    const error = await failure(
      () => {
        calls++;
        const until = performance.now() + 5;
        while (performance.now() < until);
      },
      { timeout: 150 },
    );
    expect(error).toBeInstanceOf(MeasurementTimeoutError);
    expect((error as Error).message).toMatch(/no verdict within 150 ms: fn costs about [\d.]+ ms per call/);
    expect((error as Error).message).toContain("raise the test's timeout (test(name, fn, ms), jest.setTimeout(ms) or testTimeout");
    // It stops as soon as the warm-up shows that no round fits: a few calls, not the whole plan.
    expect(calls).toBeLessThan(16);
  });

  test('rounds given explicitly are not shortened: the calls run out of time instead', async () => {
    const error = await failure(
      () => {
        const until = performance.now() + 5;
        while (performance.now() < until);
      },
      { timeout: 300, callsPerRound: 16 },
    );
    expect(error).toBeInstanceOf(MeasurementTimeoutError);
    expect((error as Error).message).toMatch(/only \d+ calls completed/);
  });
});

/** Busy-waits `ms`: a synchronous fn of a known cost. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('slow functions get a verdict in the default timeout, at a stated resolution', () => {
  test('a clean fn of 20 ms per call', async () => {
    const verdict = await measure(() => {
      spin(20);
      return { made: [1, 2, 3] };
    });
    expect(verdict.leaked).toBe(false);
    expect(verdict.cost).toMatchObject({ shortened: true });
    expect(verdict.cost!.msPerCall).toBeGreaterThanOrEqual(19);
    expect(verdict.runs[0].callsPerRound).toBeLessThan(16);
    expect(verdict.notes.join('\n')).toMatch(
      /fn costs about \d+ ms per call: rounds of \d+ calls? to fit the timeout, so a leak rarer than one object per \d+ calls? can be missed/,
    );
  });

  test('a fn whose first call is slow (one-time initialisation) is not judged on it', async () => {
    let initialised = false;
    const verdict = await measure(
      () => {
        if (!initialised) {
          spin(700);
          initialised = true;
        }
        return { made: [1, 2, 3] };
      },
      { timeout: 3000 },
    );
    expect(verdict.leaked).toBe(false);
    expect(verdict.cost!.shortened).toBe(false);
  });

  test('a fn too slow for any verdict fails on the warm-up, with its cost', async () => {
    let calls = 0;
    const error = await failure(
      () => {
        calls++;
        spin(300);
      },
      { timeout: 1000 },
    );
    expect(error).toBeInstanceOf(MeasurementTimeoutError);
    expect((error as Error).message).toMatch(/no verdict within 1000 ms: fn costs about 3\d\d ms per call/);
    expect(calls).toBeLessThanOrEqual(4);
  });

  test('a leaking fn of 20 ms per call', async () => {
    const kept: object[] = [];
    const verdict = await measure(
      function slowKeep() {
        spin(20);
        kept.push({ record: kept.length });
      },
      { explain: false },
    );
    expect(verdict.leaked).toBe(true);
    expect(verdict.findings[0].count).toBeGreaterThan(0.5);
    expect(verdict.findings[0].count).toBeLessThan(1.5);
  });
});

describe('a suspicion is confirmed over a horizon before it is reported', () => {
  test('a bounded cache of 2,000 entries is not a leak: the horizon evicts what the rounds left', async () => {
    const cache = new Map<number, object>();
    let i = 0;
    const verdict = await measure(() => {
      cache.set(i++, { value: i });
      if (cache.size > 2000) cache.delete(cache.keys().next().value!);
    });
    expect(verdict.leaked).toBe(false);
    // It was suspicious (the rounds fit in the cache), and re-measured with a horizon.
    expect(verdict.runs.length).toBeGreaterThanOrEqual(2);
    expect(verdict.horizon!.horizonCalls).toBeGreaterThanOrEqual(2000);
  });

  test('the same cache without a bound leaks, and the message says what was ruled out', async () => {
    const cache = new Map<number, object>();
    let i = 0;
    const verdict = await measure(
      () => {
        cache.set(i++, { value: i });
      },
      { explain: false },
    );
    expect(verdict.leaked).toBe(true);
    expect(verdict.horizon!.horizonCalls).toBeGreaterThan(0);
    const text = formatVerdict(verdict);
    expect(text).toContain(
      `ruled out: a bound (a cache of up to ${verdict.horizon!.horizonCalls.toLocaleString('en-US')} entries, a pool)`,
    );
    expect(text).toMatch(/a delayed release within \d+ ms of the rounds/);
    expect(text).toContain('noise and one-time work: it grew in every round at 16 and 64 calls per round');
  });

  test('objects released by a timer 600 ms later are not a leak', async () => {
    // Longer than a first run of 5 x 16 calls and its settle: every round of it still holds its
    // entries when read, and only the horizon (1 s) lets the timers release them.
    const held = new Set<object>();
    const verdict = await measure(() => {
      const entry = { payload: new Array(8).fill(0) };
      held.add(entry);
      setTimeout(() => held.delete(entry), 600);
    });
    expect(verdict.leaked).toBe(false);
  });

  test('timers that close 200 ms later are not a handle leak; timers that never close are', async () => {
    const clean = await measure(() => {
      setTimeout(() => {}, 200);
    });
    expect(clean.leaked).toBe(false);
    const timers: NodeJS.Timeout[] = [];
    const leaky = await measure(
      () => {
        timers.push(setInterval(() => {}, 60_000));
      },
      { explain: false },
    );
    timers.forEach(clearInterval);
    expect(leaky.findings).toContainEqual(expect.objectContaining({ kind: 'handles', name: 'Timeout' }));
  });
});

describe('handles', () => {
  test('an interval started per call and never cleared is a Timeout handle leak', async () => {
    const intervals: Array<ReturnType<typeof setInterval>> = [];
    try {
      const verdict = await measure(
        () => {
          intervals.push(setInterval(() => {}, 1_000_000));
        },
        { explain: false },
      );
      expect(verdict.leaked).toBe(true);
      const finding = verdict.findings.find((f) => f.kind === 'handles');
      expect(finding).toMatchObject({ kind: 'handles', name: 'Timeout' });
      expect(finding!.count).toBeCloseTo(1, 1);
    } finally {
      for (const interval of intervals) clearInterval(interval);
    }
  });

  test('timers cleared within the call are not a leak', async () => {
    const verdict = await measure(
      () => {
        const t = setInterval(() => {}, 1_000_000);
        clearInterval(t);
      },
      { explain: false },
    );
    expect(verdict.findings.filter((f) => f.kind === 'handles')).toEqual([]);
  });

  test('handles: false does not count handles', async () => {
    const intervals: Array<ReturnType<typeof setInterval>> = [];
    try {
      const verdict = await measure(
        () => {
          intervals.push(setInterval(() => {}, 1_000_000));
        },
        { explain: false, handles: false },
      );
      expect(verdict.findings.filter((f) => f.kind === 'handles')).toEqual([]);
    } finally {
      for (const interval of intervals) clearInterval(interval);
    }
  });
});

describe('the ignore option removes findings', () => {
  test('by handle type', async () => {
    const intervals: Array<ReturnType<typeof setInterval>> = [];
    try {
      const verdict = await measure(
        () => {
          intervals.push(setInterval(() => {}, 1_000_000));
        },
        { explain: false, ignore: ['Timeout'] },
      );
      expect(verdict.findings.filter((f) => f.kind === 'handles')).toEqual([]);
    } finally {
      for (const interval of intervals) clearInterval(interval);
    }
  });

  test('by allocation site', async () => {
    const store: MeasuredLeakRecord[] = [];
    const verdict = await measure(
      function keepIgnoredRecord() {
        store.push(new MeasuredLeakRecord(store.length));
      },
      // Patterns name a site's function or file, never its formatted text (`name (file:line:col)`).
      { explain: false, ignore: [/^keepIgnoredRecord$/] },
    );
    expect(verdict.leaked).toBe(false);
    expect(verdict.findings).toEqual([]);
    expect(store.length).toBe(verdict.totalCalls);
  });

  test('by constructor name', async () => {
    class IgnoredLeakRecord {
      constructor(readonly n: number) {}
    }
    const store: IgnoredLeakRecord[] = [];
    const verdict = await measure(
      function keepByName() {
        store.push(new IgnoredLeakRecord(store.length));
      },
      { ignore: ['IgnoredLeakRecord'], timeout: EXPLAIN_TIMEOUT },
    );
    // The sampler did see the site grow: the finding was left out by name, not missed.
    const growing = verdict.runs[verdict.runs.length - 1].growing;
    expect(growing.map((g) => g.kind)).toEqual(['js-objects']);
    expect(growing.map((g) => siteText(g.site!))).toEqual([expect.stringMatching(/^keepByName \(/)]);
    // Neither under its class nor as "objects allocated at keepByName" (the fallback when no class
    // is known) nor under any other name at its rate of one per call. Not asserted: that there is
    // no finding at all: about one explanation in five also reports ~11 "number" objects (boxed
    // async ids on leakproof's own pending promises), a known noise problem of the explanation.
    expect(verdict.findings.filter((f) => f.name === 'IgnoredLeakRecord' || whatText(f).includes('keepByName'))).toEqual([]);
    expect(verdict.findings.filter((f) => f.count >= 0.5)).toEqual([]);
  });
});

describe("known survivors are the adapter's to say: core knows no runner", () => {
  // What the Jest adapters pass: jest.fn() keeps every call's arguments and results.
  const JEST_MOCK_RECORDS: KnownSurvivors[] = [{ reason: 'jest.fn() call records', file: /[\\/]jest-mock[\\/]/ }];

  test('a jest.fn() called per call: its records grow at the caller; passed as known survivors, they are left out', async () => {
    const record = jest.fn();
    const callMock = function callMock(): void {
      record(1);
    };
    try {
      const unaware = await measure(callMock, { explain: false });
      expect(unaware.leaked).toBe(true);
      expect(unaware.findings.map((f) => f.site && siteText(f.site))).toContainEqual(expect.stringMatching(/^callMock \(/));
      record.mockClear();
      const told = await measure(callMock, { explain: false }, JEST_MOCK_RECORDS);
      expect(told.findings).toEqual([]);
      expect(told.leaked).toBe(false);
      expect(record.mock.calls.length).toBe(told.totalCalls);
    } finally {
      record.mockReset();
    }
  });
});
