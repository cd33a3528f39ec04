/** @jest-environment node */
import { runInNewContext } from 'node:vm';
import { DEFAULT_TIMEOUT_MS, LeakOptionsError, resolveLeakOptions } from '../options';
import { OptionsError } from '../validate';

/** The error resolveLeakOptions throws for `input`; fails the test when it does not throw. */
function errorFor(input: unknown, extraKeys: readonly string[] = [], path?: string): LeakOptionsError {
  try {
    resolveLeakOptions(input, {}, extraKeys, path);
  } catch (error) {
    expect(error).toBeInstanceOf(LeakOptionsError);
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as Error).name).toBe('OptionsError');
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
    horizonCalls: 10_000,
    horizonMs: 1000,
    adaptive: true,
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
      horizonCalls: 500,
      horizonMs: 200,
    };
    // Rounds given: they are not shortened for a slow fn.
    expect(resolveLeakOptions(given)).toEqual({ ...given, adaptive: false });
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
    ['rounds', 5n, '5n', 'from 3 to 50'],
  ] as const)('%s: %p', (key, value, shown, range) => {
    expect(errorFor({ [key]: value }).message).toBe(`leakproof: options.${key} must be an integer ${range}, got ${shown}`);
  });
});

describe('boolean options', () => {
  test.each([
    ['explain', 'yes', '"yes"'],
    ['explain', 1, '1'],
    ['handles', 0, '0'],
    ['handles', null, 'null'],
  ] as const)('%s: %p', (key, value, shown) => {
    expect(errorFor({ [key]: value }).message).toBe(`leakproof: options.${key} must be true or false, got ${shown}`);
  });
});

describe('other invalid options', () => {
  test('an unknown key names the key and lists the valid options', () => {
    expect(errorFor({ round: 5 }).message).toBe(
      'leakproof: unknown option options.round. Valid options: callsPerRound, explain, handles, horizonCalls, horizonMs, ignore, maxCallsPerRound, native, ' +
        'nativeSuppressions, rounds, samplingInterval, timeout, warmup',
    );
  });

  test('the caller extra keys appear in the list of valid options, and are otherwise unknown', () => {
    expect(errorFor({ nope: 1 }, ['what', 'perCall']).message).toMatch(/Valid options:.*perCall.*what/);
    expect(errorFor({ what: 'Foo' }).message).toContain('unknown option options.what.');
  });

  test('maxCallsPerRound below callsPerRound names both options and values', () => {
    expect(errorFor({ callsPerRound: 64, maxCallsPerRound: 32 }).message).toBe(
      'leakproof: options.maxCallsPerRound must be at least options.callsPerRound (64), got 32',
    );
  });

  test('maxCallsPerRound below the default callsPerRound is rejected too', () => {
    expect(errorFor({ maxCallsPerRound: 8 }).message).toContain(
      'options.maxCallsPerRound must be at least options.callsPerRound (16), got 8',
    );
  });

  test.each([
    ['a string', 'Timeout', '"Timeout"'],
    ['an object', { Timeout: true }, '{"Timeout":true}'],
    ['an array with a number', ['ok', 42], '["ok",42]'],
    ['an array with null', [null], '[null]'],
  ])('ignore as %s', (_what, value, shown) => {
    expect(errorFor({ ignore: value }).message).toBe(
      `leakproof: options.ignore must be an array of strings or regular expressions, got ${shown}`,
    );
  });

  test.each([
    ['a boolean', true, 'true'],
    ['an unknown mode', 'always', '"always"'],
  ])('native as %s', (_what, value, shown) => {
    expect(errorFor({ native: value }).message).toBe(`leakproof: options.native must be one of "auto", "required", "off", got ${shown}`);
  });

  test('nativeSuppressions must be a list of patterns', () => {
    expect(errorFor({ nativeSuppressions: 'libsasl2.so' }).message).toBe(
      'leakproof: options.nativeSuppressions must be an array of strings or regular expressions, got "libsasl2.so"',
    );
  });

  test.each([
    ['a number', 5, '5'],
    ['null', null, 'null'],
    ['a string', 'rounds', '"rounds"'],
    ['an array', [5], '[5]'],
    ['a function', function myOptions() {}, 'function myOptions'],
    // A Map or Set has no own keys: without the check it would pass as {} and every option be lost.
    ['a Map', new Map([['rounds', 5]]), 'a Map'],
    ['a Set', new Set(['rounds']), 'a Set'],
    ['a Map of another realm', runInNewContext('new Map()'), 'a Map'],
  ])('options as %s', (_what, value, shown) => {
    expect(errorFor(value).message).toBe(`leakproof: options must be a plain object such as { rounds: 5 }, got ${shown}`);
  });

  test('options of another realm (Jest tests make theirs in one) are plain objects', () => {
    expect(resolveLeakOptions(runInNewContext('({ rounds: 7 })')).rounds).toBe(7);
  });

  test('the path names where the options were written', () => {
    expect(errorFor({ rounds: 2 }, [], 'testEnvironmentOptions.leakproof.matchers').message).toBe(
      'leakproof: testEnvironmentOptions.leakproof.matchers.rounds must be an integer from 3 to 50, got 2',
    );
  });
});
