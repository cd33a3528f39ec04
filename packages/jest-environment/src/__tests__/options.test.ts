import { OptionsError } from '@leakproof/core';
import { resolveEnvironmentOptions } from '../options';

describe('native options of the environment', () => {
  test('defaults: the file mode, 256 KiB to fail, 32 KiB to warn, no suppressions', () => {
    expect(resolveEnvironmentOptions({}).native).toEqual({ mode: 'fail', failAboveBytes: 262144, warnAboveBytes: 32768, suppressions: [] });
    expect(resolveEnvironmentOptions({ mode: 'warn' }).native.mode).toBe('warn');
    // The warning threshold never sits above the failure threshold.
    expect(resolveEnvironmentOptions({ native: { failAboveBytes: 1000 } }).native.warnAboveBytes).toBe(1000);
  });

  test.each([
    [{ native: { mode: 'loud' } }, /testEnvironmentOptions\.leakproof\.native\.mode must be one of "fail", "warn", "off", got "loud"/],
    [
      { native: { failAboveBytes: -1 } },
      /testEnvironmentOptions\.leakproof\.native\.failAboveBytes must be an integer from 0 to \d+, got -1/,
    ],
    [
      { native: { suppressions: 'libsasl2.so' } },
      /testEnvironmentOptions\.leakproof\.native\.suppressions must be an array of strings, got "libsasl2.so"/,
    ],
    [
      { native: { suppress: [] } },
      /unknown option testEnvironmentOptions\.leakproof\.native\.suppress\. Valid options: mode, failAboveBytes, warnAboveBytes, suppressions/,
    ],
    [{ native: 'off' }, /testEnvironmentOptions\.leakproof\.native must be a plain object, got "off"/],
  ])('%j is rejected with what is wrong', (input, message) => {
    expect(() => resolveEnvironmentOptions(input)).toThrow(message);
  });
});

describe('every message has the one prefix and the full path of the option', () => {
  test.each([
    [
      { heap: { failAboveBytes: -1 } },
      'leakproof: testEnvironmentOptions.leakproof.heap.failAboveBytes must be an integer from 0 to 1099511627776, got -1',
    ],
    [
      { handles: { includeUnref: 'yes' } },
      'leakproof: testEnvironmentOptions.leakproof.handles.includeUnref must be true or false, got "yes"',
    ],
    [{ mode: 'strict' }, 'leakproof: testEnvironmentOptions.leakproof.mode must be one of "fail", "warn", "off", got "strict"'],
    [{ heap: new Map() }, 'leakproof: testEnvironmentOptions.leakproof.heap must be a plain object, got a Map'],
    [
      { handle: {} },
      'leakproof: unknown option testEnvironmentOptions.leakproof.handle. Valid options: mode, handles, heap, native, matchers',
    ],
    // Matcher defaults are checked by the matchers' own rules, under their path here.
    [{ matchers: { rounds: 2 } }, 'leakproof: testEnvironmentOptions.leakproof.matchers.rounds must be an integer from 3 to 50, got 2'],
    [
      { matchers: new Set() },
      'leakproof: testEnvironmentOptions.leakproof.matchers must be a plain object such as { rounds: 5 }, got a Set',
    ],
  ])('%j', (input, message) => {
    expect(() => resolveEnvironmentOptions(input)).toThrow(new OptionsError(message));
  });

  test('valid matcher defaults are kept as given, for each matcher call to resolve', () => {
    expect(resolveEnvironmentOptions({ matchers: { rounds: 4 } }).matchers).toEqual({ rounds: 4 });
    expect(resolveEnvironmentOptions(undefined).matchers).toEqual({});
  });
});
