import * as path from 'node:path';
import type { NativeCounters, NativeObject, NativeSurvivorSite } from './types';

/** The raw addon (src/native/binding.cc). */
export interface NativeBinding {
  supported: boolean;
  unsupportedReason?: string;
  glibcVersion?: string;
  start(options: { stackDepth: number; stackMemo: boolean; skip: string[]; skipExecutableDeps: boolean }): void;
  stop(): boolean;
  isRunning(): boolean;
  mark(): number;
  counters(): NativeCounters;
  survivorsSince(
    epoch: number,
  ): Array<Omit<NativeSurvivorSite, 'frames'> & { frames: Array<Omit<NativeSurvivorSite['frames'][number], 'object'>> }>;
  objects(): NativeObject[];
  slotsOf(pathSubstring: string): Array<{ symbol: string; hooked: boolean }>;
}

let loaded: { binding: NativeBinding } | { error: Error } | undefined;

/** Loads the addon once; a failure is kept and reported by the status, never thrown at import. */
export function loadBinding(): { binding: NativeBinding } | { error: Error } {
  if (!loaded) {
    try {
      // Loaded on first use, inside the try: a missing or broken addon is a reason, not a crash at import.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const load = require('node-gyp-build') as (dir: string) => NativeBinding;
      // src/ under ts-jest, dist/ when built: the package root is one level up either way.
      loaded = { binding: load(path.resolve(__dirname, '..')) };
    } catch (error) {
      loaded = { error: error as Error };
    }
  }
  return loaded;
}
