/** Options of `startNativeTracking`. */
export interface NativeTrackerOptions {
  /**
   * Native frames captured per allocation (1-16), or 0 to count only: survivors are then grouped
   * by allocator alone. Default 8. Stacks cost ~1 µs per allocation (bench/cost.js).
   */
  stackDepth?: number;
  /**
   * Reuse a captured stack when the same call path allocates again at the same stack depth, after
   * checking that every return address is still in its stack slot (default true). A loop over
   * the same call then costs ~25 ns per allocation instead of ~2 µs; false measures cold captures.
   */
  stackMemo?: boolean;
  /**
   * Shared objects whose path contains one of these substrings get no allocator hooks. Replaces
   * the default list (`DEFAULT_SKIP_OBJECTS`); spread the default to extend it.
   */
  skip?: string[];
  /**
   * Also skip every library the node executable was linked against, transitively (default true):
   * with a node built against shared libuv, openssl or libnode, their churn is node's, not yours.
   */
  skipExecutableDeps?: boolean;
}

export type NativeTrackingStatus = { available: true; glibcVersion: string } | { available: false; reason: string };

/** A loaded shared object and whether its allocations are tracked. */
export interface NativeObject {
  path: string;
  tracked: boolean;
  /** `tracked`, or why not (`the executable (node itself)`, `skip list: /libc.so`, ...). */
  reason: string;
  /** GOT slots pointing at the tracker's hooks (dlopen counts too, also in untracked objects). */
  hookedSlots: number;
}

export interface NativeFrame {
  /** Demangled function name; null when the object has no symbol for it (stripped, JIT code). */
  function: string | null;
  /** Basename of the shared object, null for code outside any object (V8's JIT code). */
  object: string | null;
  path: string | null;
  /** Link-time address of the call in `path` (what `addr2line -e path` takes). */
  offset: number;
  /** The return address as captured. */
  address: number;
}

/** Live native allocations made at one site since an epoch. */
export interface NativeSurvivorSite {
  /** The hooked function that allocated: malloc, calloc, realloc, posix_memalign, strdup... */
  allocator: string;
  count: number;
  bytes: number;
  /** Innermost first, starting at the caller of the allocator; empty when stacks are off. */
  frames: NativeFrame[];
}

export interface NativeCounters {
  liveBytes: number;
  liveBlocks: number;
  totalAllocs: number;
  totalFrees: number;
  /** free() of pointers the tracker never saw (allocated before start, or by untracked code). */
  ignoredFrees: number;
  /** Allocations that could not be recorded (out of memory for the table): results are partial. */
  dropped: number;
  /** Distinct allocation stacks interned so far in this process. */
  sites: number;
  /** Allocations whose stack could not be interned (table full): attributed to an unknown site. */
  sitesDropped: number;
  /** The current epoch (the value the last `markNative()` returned). */
  epoch: number;
}
