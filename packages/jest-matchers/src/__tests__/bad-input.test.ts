// Wrong use of toNotLeak / toLeak, through the real matchers the environment registers: each
// mistake must end in a message that says what went wrong and how to fix it, never in a verdict.

class BadInputLeakRecord {
  constructor(readonly n: number) {}
}

/** A fresh leaking function: one record kept per call. */
function leaky(): () => void {
  const store: BadInputLeakRecord[] = [];
  return function keepBadInputRecord() {
    store.push(new BadInputLeakRecord(store.length));
  };
}

describe('received is not a function', () => {
  test.each([
    ['a number', 42, /got 42\./],
    ['undefined', undefined, /got undefined\./],
    ['a Promise', Promise.resolve('result'), /got a Promise\./],
  ])('%s: says what it got and how to wrap the code', async (_what, received, got) => {
    const attempt = expect(received).toNotLeak();
    await expect(attempt).rejects.toThrow(/leakproof: expect\(fn\) needs a function to call repeatedly/);
    await expect(expect(received).toNotLeak()).rejects.toThrow(got);
    await expect(expect(received).toNotLeak()).rejects.toThrow('Wrap the code under test: await expect(() => doWork()).toNotLeak()');
    await expect(expect(received).toLeak()).rejects.toThrow('await expect(() => doWork()).toLeak()');
  });
});

describe('the function under test fails: the test sees its own error', () => {
  test('fn throws: the same error instance, not a leak verdict', async () => {
    const own = new RangeError('invalid account id');
    let calls = 0;
    const attempt = expect(() => {
      calls++;
      if (calls === 20) throw own;
    }).toNotLeak();
    await expect(attempt).rejects.toBe(own);
    await expect(attempt).rejects.toThrow(/^invalid account id$/);
    expect(calls).toBe(20);
  });

  test('fn throws on the first call, under toLeak too', async () => {
    const own = new Error('not configured');
    await expect(
      expect(() => {
        throw own;
      }).toLeak(),
    ).rejects.toBe(own);
  });

  test('async fn rejects: the same rejection reason', async () => {
    const own = new Error('database unavailable');
    let calls = 0;
    const attempt = expect(async () => {
      calls++;
      await new Promise((resolve) => setImmediate(resolve));
      if (calls === 5) throw own;
    }).toNotLeak();
    await expect(attempt).rejects.toBe(own);
    expect(calls).toBe(5);
  });
});

describe('invalid options fail before fn is called', () => {
  let calls = 0;
  const fn = () => {
    calls++;
  };
  beforeEach(() => {
    calls = 0;
  });

  test('an unknown option names it and lists the valid ones', async () => {
    await expect(expect(fn).toNotLeak({ roundz: 5 } as never)).rejects.toThrow(
      /leakproof: unknown option options\.roundz\. Valid options: .*rounds/,
    );
    expect(calls).toBe(0);
  });

  test('an out-of-range option names it, the value and the valid range', async () => {
    await expect(expect(fn).toNotLeak({ rounds: 1 })).rejects.toThrow('leakproof: options.rounds must be an integer from 3 to 50, got 1');
    await expect(expect(fn).toNotLeak({ timeout: 10 })).rejects.toThrow(
      'leakproof: options.timeout must be an integer from 100 to 3600000, got 10',
    );
    await expect(expect(fn).toNotLeak({ rounds: 5n as never })).rejects.toThrow(
      'leakproof: options.rounds must be an integer from 3 to 50, got 5n',
    );
    expect(calls).toBe(0);
  });

  test('toLeak accepts its expectation keys but still rejects unknown ones', async () => {
    await expect(expect(fn).toLeak({ whatt: 'Foo' } as never)).rejects.toThrow(
      /leakproof: unknown option options\.whatt\. Valid options: .*perCall.*what/,
    );
    expect(calls).toBe(0);
  });

  test('toLeak with an invalid expectation: kind, perCall, what', async () => {
    await expect(expect(fn).toLeak({ kind: 'x' as never })).rejects.toThrow(
      'leakproof: options.kind must be one of "js-objects", "native", "handles", got "x"',
    );
    await expect(expect(fn).toLeak({ bytesPerCall: -1 })).rejects.toThrow(
      'leakproof: options.bytesPerCall must be a positive number, got -1',
    );
    await expect(expect(fn).toLeak({ perCall: -1 })).rejects.toThrow('leakproof: options.perCall must be a positive number, got -1');
    await expect(expect(fn).toLeak({ perCall: 0 })).rejects.toThrow('leakproof: options.perCall must be a positive number, got 0');
    await expect(expect(fn).toLeak({ perCall: 2n as never })).rejects.toThrow(
      'leakproof: options.perCall must be a positive number, got 2n',
    );
    await expect(expect(fn).toLeak({ what: 42 as never })).rejects.toThrow(
      'leakproof: options.what must be a constructor name or handle type (string or RegExp), got 42',
    );
    expect(calls).toBe(0);
  });

  test('toNotLeak with a Map or a number for options: rejected, not read as {} (every option lost)', async () => {
    await expect(expect(fn).toNotLeak(new Map([['rounds', 3]]) as never)).rejects.toThrow(
      'leakproof: options must be a plain object such as { rounds: 5 }, got a Map',
    );
    await expect(expect(fn).toNotLeak(5 as never)).rejects.toThrow(
      'leakproof: options must be a plain object such as { rounds: 5 }, got 5',
    );
    expect(calls).toBe(0);
  });

  test('toLeak with a Map for options: rejected, not read as {} (every pin lost)', async () => {
    await expect(expect(fn).toLeak(new Map([['what', 'Foo']]) as never)).rejects.toThrow(
      'leakproof: options must be a plain object such as { rounds: 5 }, got a Map',
    );
    expect(calls).toBe(0);
  });
});

describe('no verdict in time', () => {
  test('a never-settling async fn ends with a clear timeout message', async () => {
    let calls = 0;
    const started = Date.now();
    await expect(
      expect(() => {
        calls++;
        return new Promise(() => {});
      }).toNotLeak({ timeout: 300 }),
    ).rejects.toThrow(
      /no verdict within 300 ms: call 1 returned a promise that did not settle\. Raise the test's timeout \(test\(name, fn, ms\)/,
    );
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('with fake timers, a fn awaiting setTimeout: the message points at fake timers and jest.useRealTimers', async () => {
    jest.useFakeTimers();
    try {
      const attempt = expect(async () => {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }).toNotLeak({ timeout: 300 });
      await expect(attempt).rejects.toThrow(/no verdict within 300 ms/);
      await expect(attempt).rejects.toThrow(/Fake timers are enabled/);
      await expect(attempt).rejects.toThrow(/jest\.useRealTimers\(\)/);
    } finally {
      jest.useRealTimers();
    }
  });

  test('the same fn with real timers gets a verdict', async () => {
    await expect(async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
    }).toNotLeak({ callsPerRound: 4, maxCallsPerRound: 4, rounds: 3, explain: false });
  });
});

describe('negation and expectations that do not match', () => {
  test('.not.toNotLeak passes on a leaking fn', async () => {
    await expect(leaky()).not.toNotLeak({ explain: false });
  });

  test('toNotLeak on a leaking fn fails with what grew, per call, retainer and allocation site', async () => {
    const attempt = expect(leaky()).toNotLeak();
    await expect(attempt).rejects.toThrow(/Expected fn not to leak, but it did/);
    await expect(attempt).rejects.toThrow(/BadInputLeakRecord: \+1 per call/);
    await expect(attempt).rejects.toThrow(/retained by: .*store \(closure variable\)/);
    await expect(attempt).rejects.toThrow(/allocated at: keepBadInputRecord \(.*bad-input\.test\.ts:\d+:\d+\)/);
  });

  test('toLeak with a `what` that does not match fails with "leaked something else"', async () => {
    const attempt = expect(leaky()).toLeak({ what: 'NoSuchClass', explain: false });
    await expect(attempt).rejects.toThrow(/Expected fn to leak NoSuchClass; it leaked something else/);
    await expect(attempt).rejects.toThrow(/objects allocated at keepBadInputRecord/);
  });

  test('toLeak on a clean fn fails with "nothing grew"', async () => {
    await expect(expect(() => [1, 2, 3].map((x) => x * 2)).toLeak({ explain: false })).rejects.toThrow(
      /Expected fn to leak anything, but nothing grew in every round/,
    );
  });
});
