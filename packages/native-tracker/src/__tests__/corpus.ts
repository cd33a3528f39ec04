// The native corpus, loaded once per Jest module registry (the addon itself once per process).
import type { NativeCorpus } from '@leakproof/native-corpus';
import type { NativeSurvivorSite } from '../index';

// Required, not imported: ts-jest would hoist an import above the tracker's start, and the
// corpus must be dlopen'ed after it to be hooked.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const corpus = require('@leakproof/native-corpus') as NativeCorpus;

/** Survivors allocated from the corpus's own objects (not other addons the worker may have loaded). */
export function corpusSites(sites: NativeSurvivorSite[]): NativeSurvivorSite[] {
  return sites.filter((s) => s.frames.some((f) => /^corpus(_helper|_plugin)?\.(node|so)$/.test(f.object ?? '')));
}

export function functionsOf(site: NativeSurvivorSite): Array<string | null> {
  return site.frames.map((f) => f.function);
}
