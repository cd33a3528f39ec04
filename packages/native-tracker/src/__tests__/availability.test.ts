import { availability, nativeTrackingStatus, NativeTrackingUnavailableError } from '../index';

const linux = { platform: 'linux', arch: 'x64', glibcVersion: '2.36' };

test('available on Linux x86_64 with glibc when the addon loads', () => {
  expect(availability({ ...linux, addon: { supported: true, glibcVersion: '2.36' } })).toEqual({ available: true, glibcVersion: '2.36' });
});

test.each([
  [{ ...linux, platform: 'darwin' }, /needs Linux .*this is darwin/],
  [{ ...linux, platform: 'win32' }, /needs Linux .*this is win32/],
  [{ ...linux, arch: 'arm64' }, /needs x86_64; this is arm64/],
  [{ ...linux, glibcVersion: undefined }, /needs glibc; this Linux uses another libc \(musl\?\)/],
  [
    { ...linux, loadError: new Error('Cannot find module build/Release\nmore') },
    /could not be loaded \(Cannot find module build\/Release\); .*`npm rebuild @leakproof\/native-tracker`.*allowScripts/,
  ],
  [{ ...linux, addon: { supported: false, unsupportedReason: 'built for another libc' } }, /^built for another libc$/],
])('unavailable with a reason a person can act on: %#', (facts, reason) => {
  const status = availability(facts);
  expect(status.available).toBe(false);
  if (!status.available) expect(status.reason).toMatch(reason);
});

test('this machine (Linux x86_64, glibc) can track', () => {
  const status = nativeTrackingStatus();
  expect(status).toEqual({ available: true, glibcVersion: expect.stringMatching(/^2\.\d+$/) });
});

test('the unavailable error names itself and carries the reason', () => {
  const error = new NativeTrackingUnavailableError('leakproof: native allocation tracking is off: reason');
  expect(error.name).toBe('NativeTrackingUnavailableError');
  expect(error).toBeInstanceOf(Error);
});
