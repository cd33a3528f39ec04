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
    [{ native: 'off' }, /testEnvironmentOptions\.leakproof\.native must be an object, got "off"/],
  ])('%j is rejected with what is wrong', (input, message) => {
    expect(() => resolveEnvironmentOptions(input)).toThrow(message);
  });
});
