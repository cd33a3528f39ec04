import { runInNewContext } from 'node:vm';
import { DEFAULT_TIMEOUT_MS, LeakOptionsError, resolveLeakOptions } from '../options';

/** The error resolveLeakOptions throws for `input`; fails the test when it does not throw. */
function errorFor(input: unknown, extraKeys: readonly string[] = []): LeakOptionsError {
  try {
    resolveLeakOptions(input, {}, extraKeys);
  } catch (error) {
    expect(error).toBeInstanceOf(LeakOptionsError);
    expect((error as Error).name).toBe('LeakOptionsError');
    return error as LeakOptionsError;
  }
  throw new Error(`resolveLeakOptions accepted ${JSON.stringify(input)}`);
}

describe('defaults', () => {
  const expected = {
    warmup: 16,
    rounds: 5,
    callsPerRound: 16,
    maxCallsPerRound: 256,
    timeout: DEFAULT_TIMEOUT_MS,
    samplingInterval: 8,
    ignore: [],
    explain: true,
    handles: true,
    native: 'auto',
    nativeSuppressions: [],
  };

  test('no options and {} resolve to the documented defaults', () => {
    expect(DEFAULT_TIMEOUT_MS).toBe(4000);
    expect(resolveLeakOptions(undefined)).toEqual(expected);
    expect(resolveLeakOptions({})).toEqual(expected);
  });

  test('the caller default timeout applies unless the option is given', () => {
    expect(resolveLeakOptions({}, { timeout: 1234 }).timeout).toBe(1234);
    expect(resolveLeakOptions({ timeout: 500 }, { timeout: 1234 }).timeout).toBe(500);
  });

  test('warmup follows callsPerRound; maxCallsPerRound is at least callsPerRound', () => {
    expect(resolveLeakOptions({ callsPerRound: 32 })).toMatchObject({ warmup: 32, maxCallsPerRound: 256 });
    expect(resolveLeakOptions({ callsPerRound: 500 })).toMatchObject({ warmup: 500, maxCallsPerRound: 500 });
    expect(resolveLeakOptions({ callsPerRound: 32, warmup: 0 }).warmup).toBe(0);
  });

  test('given values are kept as they are', () => {
    const ignore = ['Timeout', /^Foo/];
    const given = {
      warmup: 3,
      rounds: 7,
      callsPerRound: 8,
      maxCallsPerRound: 64,
      timeout: 900,
      samplingInterval: 64,
      ignore,
      explain: false,
      handles: false,
      native: 'off' as const,
      nativeSuppressions: ['libsasl2.so', /^ldap_/],
    };
    expect(resolveLeakOptions(given)).toEqual(given);
  });

  test('range limits themselves are valid', () => {
    expect(resolveLeakOptions({ rounds: 3 }).rounds).toBe(3);
    expect(resolveLeakOptions({ rounds: 50 }).rounds).toBe(50);
    expect(resolveLeakOptions({ timeout: 100 }).timeout).toBe(100);
    expect(resolveLeakOptions({ samplingInterval: 8 }).samplingInterval).toBe(8);
    expect(resolveLeakOptions({ callsPerRound: 64, maxCallsPerRound: 64 }).maxCallsPerRound).toBe(64);
  });

  test('ignore accepts strings and RegExps, also RegExps made in another realm (Jest tests)', () => {
    const foreign = runInNewContext('/^Leaky/');
    expect(foreign instanceof RegExp).toBe(false);
    expect(resolveLeakOptions({ ignore: ['a', /b/, foreign] }).ignore).toEqual(['a', /b/, foreign]);
  });

  test('extra keys of the caller are accepted but not resolved', () => {
    const resolved = resolveLeakOptions({ what: 'Foo', rounds: 4 }, {}, ['what']);
    expect(resolved.rounds).toBe(4);
    expect(resolved).not.toHaveProperty('what');
  });
});

describe('integer options: the message names the option, the bad value and the valid range', () => {
  test.each([
    // [option, bad value, how the value is shown, valid range]
    ['rounds', 2, '2', 'from 3 to 50'],
    ['rounds', 51, '51', 'from 3 to 50'],
    ['rounds', 3.5, '3.5', 'from 3 to 50'],
    ['rounds', '5', '"5"', 'from 3 to 50'],
    ['rounds', null, 'null', 'from 3 to 50'],
    ['warmup', -1, '-1', 'from 0 to 1000000'],
    ['warmup', true, 'true', 'from 0 to 1000000'],
    ['callsPerRound', 0, '0', 'from 1 to 1000000'],
    ['callsPerRound', 1_000_001, '1000001', 'from 1 to 1000000'],
    ['maxCallsPerRound', 0, '0', 'from 1 to 1000000'],
    ['timeout', 99, '99', 'from 100 to 3600000'],
    ['timeout', Infinity, 'Infinity', 'from 100 to 3600000'],
    ['timeout', '1000', '"1000"', 'from 100 to 3600000'],
    ['samplingInterval', 4, '4', 'from 8 to 1048576'],
    ['samplingInterval', NaN, 'NaN', 'from 8 to 1048576'],
    ['samplingInterval', 16.5, '16.5', 'from 8 to 1048576'],
  ] as const)('%s: %p', (key, value, shown, range) => {
    const { message } = errorFor({ [key]: value });
    expect(message).toContain(`option "${key}"`);
    expect(message).toContain('must be an integer');
    expect(message).toContain(range);
    expect(message).toMatch(new RegExp(`got ${shown.replace(/[.*+?^${}()|[\]\\"]/g, '\\$&')}$`));
  });
});

describe('boolean options', () => {
  test.each([
    ['explain', 'yes', '"yes"'],
    ['explain', 1, '1'],
    ['handles', 0, '0'],
    ['handles', null, 'null'],
  ] as const)('%s: %p', (key, value, shown) => {
    const { message } = errorFor({ [key]: value });
    expect(message).toContain(`option "${key}" must be true or false, got ${shown}`);
  });
});

describe('other invalid options', () => {
  test('an unknown key names the key and lists the valid options', () => {
    const { message } = errorFor({ round: 5 });
    expect(message).toContain('unknown option "round"');
    for (const valid of [
      'rounds',
      'warmup',
      'callsPerRound',
      'maxCallsPerRound',
      'timeout',
      'samplingInterval',
      'ignore',
      'explain',
      'handles',
    ]) {
      expect(message).toContain(valid);
    }
  });

  test('the caller extra keys appear in the list of valid options, and are otherwise unknown', () => {
    expect(errorFor({ nope: 1 }, ['what', 'perCall']).message).toMatch(/Valid options:.*perCall.*what/);
    expect(errorFor({ what: 'Foo' }).message).toContain('unknown option "what"');
  });

  test('maxCallsPerRound below callsPerRound names both options and values', () => {
    const { message } = errorFor({ callsPerRound: 64, maxCallsPerRound: 32 });
    expect(message).toContain('"maxCallsPerRound" (32)');
    expect(message).toContain('at least "callsPerRound" (64)');
  });

  test('maxCallsPerRound below the default callsPerRound is rejected too', () => {
    expect(errorFor({ maxCallsPerRound: 8 }).message).toContain('"maxCallsPerRound" (8) must be at least "callsPerRound" (16)');
  });

  test.each([
    ['a string', 'Timeout', '"Timeout"'],
    ['an object', { Timeout: true }, '{"Timeout":true}'],
    ['an array with a number', ['ok', 42], '["ok",42]'],
    ['an array with null', [null], '[null]'],
  ])('ignore as %s', (_what, value, shown) => {
    const { message } = errorFor({ ignore: value });
    expect(message).toContain('option "ignore" must be an array of strings or regular expressions');
    expect(message).toContain(`got ${shown}`);
  });

  test.each([
    ['a boolean', true, 'true'],
    ['an unknown mode', 'always', '"always"'],
  ])('native as %s', (_what, value, shown) => {
    expect(errorFor({ native: value }).message).toBe(`leakproof: option "native" must be one of "auto", "required", "off", got ${shown}`);
  });

  test('nativeSuppressions must be a list of patterns', () => {
    expect(errorFor({ nativeSuppressions: 'libsasl2.so' }).message).toContain(
      'option "nativeSuppressions" must be an array of strings or regular expressions, got "libsasl2.so"',
    );
  });

  test.each([
    ['a number', 5, '5'],
    ['null', null, 'null'],
    ['a string', 'rounds', '"rounds"'],
    ['an array', [5], '[5]'],
    ['a function', function myOptions() {}, 'function myOptions'],
  ])('options as %s', (_what, value, shown) => {
    const { message } = errorFor(value);
    expect(message).toContain('options must be an object such as { rounds: 5 }');
    expect(message).toContain(`got ${shown}`);
  });
});
