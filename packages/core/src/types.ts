/** One JS stack frame, 1-based line and column. */
export interface Frame {
  functionName: string;
  url: string;
  line: number;
  column: number;
}

/** Surviving allocations of one allocation site, per measurement window (round or test). */
export interface SiteSurvivors {
  /** `functionName (file:line:col)` of the first user frame, the key survivors are grouped by. */
  site: string;
  /** Allocation stack, innermost first (as sampled by V8). */
  stack: Frame[];
  /** Estimated surviving objects per window (sample weights, see docs/noise-model.md). */
  counts: number[];
  /** Estimated surviving bytes per window. */
  bytes: number[];
}

/** What one measurement of `fn` found growing, in one of the three families. */
export type LeakKind = 'js-objects' | 'native' | 'handles';

/** One frame of a native allocation stack (symbolized by the native tracker). */
export interface NativeFrameRef {
  /** Demangled function name; null when the object has no symbol for it. */
  function: string | null;
  /** Basename of the shared object (`ldap.node`, `liblber.so.2`), null for JIT code. */
  object: string | null;
  /** Link-time offset of the call in the object (what `addr2line -e` takes). */
  offset: number;
}

export interface RetainerStep {
  /** How the previous object holds this one: property name, element index, closure variable... */
  edge: string;
  /** `Constructor` or `(system)`/`(closure)` style name of the holder. */
  holder: string;
}

export interface LeakFinding {
  kind: LeakKind;
  /**
   * Constructor name (JS objects, when a heap snapshot explained the leak), resource type
   * (handles), or `native memory at <function> (<object>)` (native).
   */
  what: string;
  /** Per call of fn (matchers), or for the whole test when `per` is `test` (environment checks). */
  countPerCall: number;
  bytesPerCall: number;
  /** What the counts are relative to: one call of fn (default) or one test. */
  per?: 'call' | 'test';
  /** Count (or estimated count) left by each round, in order: the straight line of a leak. */
  perRound: number[];
  /** Where it was allocated (`fn (file:line:col)`), when known. */
  site?: string;
  allocationStack?: Frame[];
  /** From the GC root to the leaked object, when a heap snapshot was taken. */
  retainerPath?: string[];
  /** JS objects held from a V8 global handle (a napi_ref or Persistent never released). */
  retainedByGlobalHandle?: boolean;
  /** Native: the allocating function (malloc, calloc, strdup...) and its callers, innermost first. */
  allocator?: string;
  nativeStack?: NativeFrameRef[];
  /** Native: every allocation stack of this finding (biggest first; the first is `nativeStack`). */
  nativeSites?: Array<{ allocator: string; frames: NativeFrameRef[]; countPerCall: number; bytesPerCall: number }>;
}

export interface MeasurementPlan {
  warmupCalls: number;
  callsPerRound: number;
  rounds: number;
}

export interface LeakVerdict {
  leaked: boolean;
  findings: LeakFinding[];
  /** Each run of rounds the decision used (the first, then escalations). */
  runs: Array<MeasurementPlan & { growing: string[]; sporadic: string[] }>;
  totalCalls: number;
  durationMs: number;
  /** Things the reader should know: escalations, ignored allocations, explanation failures. */
  notes: string[];
}
