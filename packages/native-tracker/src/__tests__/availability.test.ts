import { addonName, availability, isToolingAddon, nativeTrackingStatus, NativeTrackingUnavailableError } from '../index';

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
    /could not be loaded \(Cannot find module build\/Release\): it is installed with @leakproof\/native-tracker \(a prebuild for Linux x86_64 with glibc >= 2\.34, else a source build\).*`npm rebuild @leakproof\/native-tracker` in your project.*`npm install-scripts approve @leakproof\/native-tracker`.*"allowScripts".*"onlyBuiltDependencies"/,
  ],
  [{ ...linux, optOut: 'off', addon: { supported: true } }, /^LEAKPROOF_NATIVE_TRACKER=off is set$/],
  [{ ...linux, platform: 'darwin', optOut: 'off' }, /^LEAKPROOF_NATIVE_TRACKER=off is set$/],
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

test('LEAKPROOF_NATIVE_TRACKER set to anything but off leaves tracking as it is', () => {
  expect(availability({ ...linux, optOut: 'on', addon: { supported: true, glibcVersion: '2.36' } })).toEqual({
    available: true,
    glibcVersion: '2.36',
  });
});

test.each([
  ['/p/node_modules/@unrs/resolver-binding-linux-x64-gnu/resolver.linux-x64-gnu.node', true],
  ['/p/node_modules/unrs-resolver/resolver.node', true],
  ['/p/node_modules/.pnpm/@swc+core-linux-x64-gnu@1.16.22/node_modules/@swc/core-linux-x64-gnu/swc.linux-x64-gnu.node', true],
  ['/p/node_modules/@parcel/watcher-linux-x64-glibc/watcher.node', true],
  ['/p/node_modules/fsevents/fsevents.node', true],
  ['/p/node_modules/lightningcss-darwin-arm64/lightningcss.darwin-arm64.node', true],
  ['/p/node_modules/@esbuild/linux-x64/esbuild.node', true],
  ['/p/node_modules/sqlite3/build/Release/node_sqlite3.node', false],
  ['/p/node_modules/@swc/core/node_modules/bcrypt/lib/bcrypt.node', false],
  ['/p/build/Release/addon.node', false],
  ['C:\\p\\node_modules\\@swc\\core-win32-x64-msvc\\swc.win32-x64-msvc.node', true],
])('tooling addon %s: %s', (addonPath, tooling) => {
  expect(isToolingAddon(addonPath)).toBe(tooling);
});

test('an addon is named from its package on, or relative to the working directory', () => {
  expect(addonName('/p/node_modules/sqlite3/build/Release/node_sqlite3.node')).toBe('sqlite3/build/Release/node_sqlite3.node');
  expect(addonName(`${process.cwd()}/build/Release/addon.node`)).toBe('build/Release/addon.node');
  expect(addonName('/elsewhere/addon.node')).toBe('/elsewhere/addon.node');
});
