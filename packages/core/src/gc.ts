import { setFlagsFromString, getHeapStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setImmediate } from 'node:timers';

type GcFunction = () => void;
let cachedGc: GcFunction | undefined;

/**
 * A full garbage collection without any command-line flag (the trick jest-leak-detector uses).
 * Plain `gc()` is used on purpose: on Node 20, `gc({type:'major'})` runs a MINOR GC.
 */
export function forceGc(): void {
  if (!cachedGc) {
    const existing = (globalThis as { gc?: GcFunction }).gc;
    if (typeof existing === 'function') {
      cachedGc = existing;
    } else {
      setFlagsFromString('--expose-gc');
      cachedGc = runInNewContext('gc') as GcFunction;
    }
  }
  const started = performance.now();
  cachedGc();
  lastFullGcMs = performance.now() - started;
}

let lastFullGcMs = 0;

/** Duration of the last forced full GC: a yardstick for heap-walking work on this heap. */
export function lastFullGcDuration(): number {
  return lastFullGcMs;
}

/** One macrotask turn: lets finalizers, FinalizationRegistry callbacks and closing handles run. */
export function eventLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface SettleOptions {
  /** Upper bound on GC + turn iterations. */
  maxIterations?: number;
  /** Another counter that must stop moving too (live native bytes: finalizers free them late). */
  extraCounter?: () => number;
}

/**
 * GC plus event-loop turns until the heap and the set of active resources stop moving.
 * At least two GCs with turns between them: the second one frees what finalizers released.
 */
export async function settle(options: SettleOptions = {}): Promise<void> {
  const maxIterations = options.maxIterations ?? 6;
  let previous = '';
  for (let i = 0; i < maxIterations; i++) {
    await eventLoopTurn();
    forceGc();
    await eventLoopTurn();
    const used = getHeapStatistics().used_heap_size;
    // 4 KB buckets: what the next GC moves by less than that is below what any rule reads.
    const state = `${Math.round(used / 4096)}:${process.getActiveResourcesInfo().length}:${options.extraCounter?.() ?? ''}`;
    if (i >= 1 && state === previous) return;
    previous = state;
  }
}
