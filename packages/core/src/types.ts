/**
 * The one finding shape, from probe to report (docs/architecture.md). Everything here is data:
 * text for a person is made from it at each output (format.ts for matcher messages; the reporter
 * for its summary, HTML and annotations), never parsed back.
 */

/** A JS frame: a position in a script, 1-based line and column. */
export interface JsSite {
  lang: 'js';
  /** '' for an anonymous function. */
  function: string;
  /** Absolute path of the script, `node:...` for Node's own code, '' for native code (no script). */
  file: string;
  line: number;
  column: number;
}

/** A native frame: a call in a shared object, symbolised by the native tracker. */
export interface NativeSite {
  lang: 'native';
  /** Demangled function name; null when the object has no symbol for it. */
  function: string | null;
  /** Basename of the shared object (`ldap.node`, `liblber.so.2`), null for JIT code. */
  object: string | null;
  /** Link-time offset of the call in the object (what `addr2line -e` takes). */
  offset: number;
}

export type Site = JsSite | NativeSite;

/** V8's heap snapshot edge types that can hold an object (weak edges never do). */
export type EdgeKind = 'property' | 'element' | 'context' | 'internal' | 'hidden' | 'shortcut';

/** The GC root groups a reader acts on differently. */
export type RootKind = 'global-handles' | 'strong-roots' | 'other';

/** One hop of a retainer path: `holder` holds the next object (or the leaked one) through `edge`. */
export interface RetainerHop {
  /** What a reader calls the holder: a constructor (`Context`, `Array`), `(closure) fn`, a root group (`Global handles`). */
  holder: string;
  /** A GC root group (the first hops of every path), with its kind; undefined for a heap object. */
  root?: RootKind;
  /** Property name, element index, closure variable name. */
  edge: string;
  edgeKind: EdgeKind;
}

/** What one measurement found growing, in one of the three families. */
export type LeakKind = 'js-objects' | 'native' | 'handles';

/** One allocation stack of a native finding. */
export interface NativeAllocation {
  /** The hooked function that allocated: malloc, calloc, realloc, strdup... */
  allocator: string;
  /** Innermost first, starting at the caller of the allocator. */
  stack: NativeSite[];
  count: number;
  bytes: number;
}

export interface LeakFinding {
  kind: LeakKind;
  /**
   * What grew: the constructor of the leaked JS objects when a heap snapshot named it (`Array`,
   * `Foo`, `(closure) fn`, `string`), or the handle type (`Timeout`, `TCPServerWrap`); null when
   * only the site is known (native memory, JS objects without a snapshot).
   */
  name: string | null;
  /**
   * Where it came from: the frame of the code under test that allocated the objects or created the
   * handle, or the native function that owns the blocks (innermost addon frame). null when unknown.
   */
  site: Site | null;
  /** JS objects made by native code called from the event loop (an addon's completion callback): no JS frame, so no site. */
  noJsFrame?: true;
  /** Objects, handles or native blocks, and their bytes, per `per`. */
  count: number;
  bytes: number;
  /** One call of fn (matchers) or the whole test (the environment's per-test checks). */
  per: 'call' | 'test';
  /** Count left by each round, in order: the straight line of a leak. Empty for per-test checks. */
  perRound: number[];
  /** JS allocation stack or handle creation stack, innermost first, up to leakproof's own frames. */
  stack?: JsSite[];
  /** From the GC root to the leaked object, when a heap snapshot was taken. */
  retainers?: RetainerHop[];
  /** Native: every allocation stack of this finding, biggest first. */
  allocations?: NativeAllocation[];
}

export interface MeasurementPlan {
  warmupCalls: number;
  callsPerRound: number;
  rounds: number;
}

/** What one run of rounds judged growing or sporadic, by site (null: no JS frame). */
export interface RunSummary extends MeasurementPlan {
  growing: Array<{ kind: LeakKind; site: Site | null }>;
  sporadic: Array<{ kind: LeakKind; site: Site | null }>;
}

/**
 * What a run that could fail the test ruled out (docs/noise-model.md): its survivors were read only
 * after `horizonCalls` more calls and `horizonMs` since its rounds, so a bound that fills within
 * those calls, or a release within that time, left none.
 */
export interface Horizon {
  horizonCalls: number;
  horizonMs: number;
}

export interface LeakVerdict {
  leaked: boolean;
  findings: LeakFinding[];
  /** Each run of rounds the decision used (the first, then escalations). */
  runs: RunSummary[];
  /** The last run's horizon, when it had one (a suspicion was re-measured). */
  horizon?: Horizon;
  /** What one call of fn cost in the warm-up (ms), and whether rounds were shortened to fit it in the timeout. */
  cost?: { msPerCall: number; shortened: boolean };
  totalCalls: number;
  durationMs: number;
  /** Things the reader should know, as sentences: escalations, ignored allocations, explanation failures. */
  notes: string[];
}

/** Surviving allocations of one JS allocation site, per measurement window (round or test). */
export interface SiteSurvivors {
  /** The frame survivors are grouped by (the first frame of the code under test); null: no JS frame. */
  site: JsSite | null;
  /** Grouping key of `site` (function, file, line, column). */
  key: string;
  /** Allocation stack, innermost first (as sampled by V8). */
  stack: JsSite[];
  /** Estimated surviving objects per window (sample weights, see docs/noise-model.md). */
  counts: number[];
  /** Estimated surviving bytes per window. */
  bytes: number[];
}
