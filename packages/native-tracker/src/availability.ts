import type { NativeTrackingStatus } from './types';

export interface PlatformFacts {
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
        `the native tracker addon could not be loaded (${facts.loadError.message.split('\n')[0]}); ` +
        'the shipped prebuild is for Linux x86_64 with glibc >= 2.34: build it from source with `npm rebuild @leakproof/native-tracker` ' +
        '(g++, make and python3 needed; npm 11 runs it only with "allowScripts": { "@leakproof/native-tracker": true } in package.json; ' +
        'in the leakproof repository: `npm run build`)',
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
