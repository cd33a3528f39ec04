import type { NativeTrackingStatus } from './types';

/** Set to `off`, the tracker addon is not loaded: leakproof runs as where it cannot be built. */
export const NATIVE_TRACKER_ENV = 'LEAKPROOF_NATIVE_TRACKER';

/**
 * How a person gets the addon built in their own project: it is built by the package's install
 * script, which package managers now block by default (npm 11, pnpm 10) or skip (--ignore-scripts).
 */
export const REBUILD_HINT =
  'run `npm rebuild @leakproof/native-tracker` in your project (node-gyp needs python3, make and a C++ compiler); ' +
  'npm 11 blocks install scripts until allowed: `npm install-scripts approve @leakproof/native-tracker`, or "allowScripts" in package.json; ' +
  'pnpm: add it to "onlyBuiltDependencies" (or `pnpm approve-builds`), then `pnpm rebuild @leakproof/native-tracker`';

export interface PlatformFacts {
  /** The value of LEAKPROOF_NATIVE_TRACKER, when set. */
  optOut?: string;
  platform: string;
  arch: string;
  /** glibc's version at run time, undefined on another libc (musl). */
  glibcVersion: string | undefined;
  /** Why the addon could not be loaded, if it could not. */
  loadError?: Error;
  /** What the loaded addon says about itself. */
  addon?: { supported: boolean; unsupportedReason?: string; glibcVersion?: string };
}

/**
 * Whether native tracking can work here, and if not, a reason a person can act on. GOT patching
 * needs x86_64 relocations and glibc's loader; anywhere else tracking is off, and says so.
 */
export function availability(facts: PlatformFacts): NativeTrackingStatus {
  if (facts.optOut === 'off') {
    return { available: false, reason: `${NATIVE_TRACKER_ENV}=off is set` };
  }
  if (facts.platform !== 'linux') {
    return { available: false, reason: `native allocation tracking needs Linux (GOT patching of ELF objects); this is ${facts.platform}` };
  }
  if (facts.arch !== 'x64') {
    return { available: false, reason: `native allocation tracking needs x86_64; this is ${facts.arch}` };
  }
  if (!facts.glibcVersion) {
    return { available: false, reason: 'native allocation tracking needs glibc; this Linux uses another libc (musl?)' };
  }
  if (facts.loadError) {
    return {
      available: false,
      reason:
        `the native tracker addon could not be loaded (${facts.loadError.message.split('\n')[0]}): ` +
        'it is installed with @leakproof/native-tracker (a prebuild for Linux x86_64 with glibc >= 2.34, else a source build) ' +
        `and no build of it loads here (its install script did not run or failed); ${REBUILD_HINT}`,
    };
  }
  if (facts.addon && !facts.addon.supported) {
    return { available: false, reason: facts.addon.unsupportedReason ?? 'the native tracker addon says this platform is not supported' };
  }
  return { available: true, glibcVersion: facts.addon?.glibcVersion ?? facts.glibcVersion };
}

/** glibc's version from Node's own diagnostic report header (undefined on other libcs). */
export function runtimeGlibcVersion(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime;
}
