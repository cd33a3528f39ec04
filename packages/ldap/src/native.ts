import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Control, SearchEntry } from './types';

export interface NativeSearchResult {
  entries: SearchEntry[];
  controls: Control[];
  cookie?: Buffer;
}

/** src/native/client.cc, argument for argument (validated by client.ts before the call). */
export interface NativeClient {
  connect(): Promise<void>;
  bind(dn: string, password: string): Promise<void>;
  search(
    base: string,
    scope: number,
    filter: string,
    attributes: string[] | undefined,
    sizeLimit: number,
    timeLimit: number,
    pageSize: number,
    cookie: Buffer | undefined,
  ): Promise<NativeSearchResult>;
  searchStream(
    base: string,
    scope: number,
    filter: string,
    attributes: string[] | undefined,
    sizeLimit: number,
    timeLimit: number,
    pageSize: number,
    cookie: Buffer | undefined,
    onEntry: (entry: SearchEntry) => void,
  ): { msgid: number; done: Promise<NativeSearchResult> };
  abandon(msgid: number): void;
  unbind(): void;
  readonly pending: number;
}

export interface NativeBinding {
  NativeClient: new (url: string, timeoutMs: number) => NativeClient;
  /** `shipped`, or the regression compiled in (`controls-ref-leak`, `not-found-leak`). */
  variant: string;
}

const PACKAGE_DIR = path.resolve(__dirname, '..');

const BUILD_FROM_SOURCE =
  'build from source with `npm rebuild @leakproof/ldap --build-from-source` (libldap-dev, g++, make and python3 needed; ' +
  'npm 11 runs it only with "allowScripts": { "@leakproof/ldap": true } in package.json; in the leakproof repository: `npm run build`)';

/** Why the shipped addon did not load, and what to do: libldap missing at run time, or no build at all. */
export function loadErrorMessage(firstLine: string): string {
  if (/lib(ldap|lber)[^:]*: cannot open shared object file/.test(firstLine)) {
    return (
      `@leakproof/ldap: the native addon needs OpenLDAP's libldap at run time (${firstLine}); the linux-x64 prebuild links ` +
      `libldap-2.5.so.0 (Debian 12: apt-get install libldap-2.5-0); with another libldap version, ${BUILD_FROM_SOURCE}`
    );
  }
  return `@leakproof/ldap: the native addon could not be loaded (${firstLine}); prebuilds ship for linux-x64 (glibc); ${BUILD_FROM_SOURCE}`;
}

/** The shipped addon, found by node-gyp-build (build/Release, build/Debug, else prebuilds/linux-x64/@leakproof+ldap.glibc.node). */
export function loadShippedAddon(): NativeBinding {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- node-gyp-build ships no types
  const load = require('node-gyp-build') as (dir: string) => NativeBinding;
  let binding: NativeBinding;
  try {
    binding = load(PACKAGE_DIR);
  } catch (error) {
    throw new Error(loadErrorMessage((error as Error).message.split('\n')[0]));
  }
  // gyp also copies each target's .node into build/Release: node-gyp-build takes the first by
  // name, which is the shipped one; a regression build must never be shipped by accident.
  if (binding.variant !== 'shipped')
    throw new Error(`@leakproof/ldap: node-gyp-build loaded the ${binding.variant} regression build instead of the shipped addon`);
  return binding;
}

/**
 * A test-only regression addon, by its exact name. They are built into build/<config>/regressions
 * (binding.gyp), out of node-gyp-build's sight: it loads the first `.node` of build/Release.
 */
export function loadRegressionAddon(target: string): NativeBinding {
  const candidates = ['Release', 'Debug'].map((dir) => path.join(PACKAGE_DIR, 'build', dir, 'regressions', `${target}.node`));
  const file = candidates.find((candidate) => fs.existsSync(candidate));
  if (!file) {
    throw new Error(
      `@leakproof/ldap: regression addon ${target}.node is not built (looked for ${candidates.join(', ')}): the test-only builds ship ` +
        `as source, not as prebuilds; ${BUILD_FROM_SOURCE}`,
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a .node addon by its path
  return require(file) as NativeBinding;
}
