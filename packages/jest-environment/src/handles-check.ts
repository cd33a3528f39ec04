import { createHook, type AsyncHook } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  atSourcePositions,
  findingIgnored,
  InspectorClient,
  handleTypeName,
  isOwnSite,
  isUserSite,
  jsSite,
  jsSiteKey,
  siteText,
  TRACKED_ASYNC_HOOK_TYPES,
  type JsSite,
  type LeakFinding,
} from '@leakproof/core';
import type { Judgement, TestCheck } from './checks';
import { shownFrames } from './messages';
import type { ResolvedEnvironmentOptions } from './options';

interface Entry {
  /** The one type name (`Timeout`, `TCPServerWrap`): what process.getActiveResourcesInfo() and the matchers say. */
  type: string;
  /** A test id, or null: created outside tests. */
  owner: string | null;
  resource: WeakRef<object>;
  /** Where it was created, innermost first, as plain data (see creationStack). */
  stack: JsSite[];
}

/**
 * Long-lived resources (timers, sockets, servers, child processes, workers...) a test left open,
 * judged when it ends. Resources are recorded as async_hooks creates them (requests and promises
 * are not tracked: short-lived by nature, and every await would pay for a stack).
 *
 * There is no `destroy` hook on purpose: with one, Node tracks the destruction of every promise (a
 * weak callback each), which the benchmark showed as most of the check's cost. Whether a resource
 * is still open is read from the resource itself, and only when a test ends.
 */
export class HandlesCheck implements TestCheck {
  readonly name = 'handles';
  private readonly live = new Map<number, Entry>();
  private readonly hook: AsyncHook;
  private owner: string | null = null;
  private paused = false;
  /** Where the project's code can run: the hook is only on then (promise hooks cost every await). */
  private readonly running = { loading: false, hook: false, test: false, concurrent: false };
  private hookOn = false;
  /** Reads the source maps of what Jest transformed: the host's session, or one of its own made when first needed. */
  private client: InspectorClient | undefined;
  private readonly ownsClient: boolean;

  /**
   * `client`: the host's inspector session (the environment's, which the heap check uses too, so
   * that a file's source maps are read once); without one, a session of its own, opened only
   * when a finding is about to be reported.
   */
  constructor(
    private readonly options: ResolvedEnvironmentOptions['handles'],
    client?: InspectorClient,
  ) {
    this.client = client;
    this.ownsClient = client === undefined;
    const init = (asyncId: number, type: string, _trigger: number, resource: object): void => {
      if (!TRACKED_ASYNC_HOOK_TYPES.has(type)) return;
      const stack = creationStack(init);
      // Made by leakproof itself (the snapshot Worker of a matcher's explanation, the grace
      // period's timer): not the test's to close.
      if (createdByLeakproof(stack)) return;
      this.live.set(asyncId, { type: handleTypeName(type), owner: this.owner, resource: new WeakRef(resource), stack });
    };
    this.hook = createHook({ init });
  }

  /** The test file is about to load (the environment's setup): its module code may open handles. */
  loading(): void {
    this.running.loading = true;
    this.sync();
  }

  /** Module code and describe bodies have run (Jest's run_start); from now on only hooks and tests run the project's code. */
  loaded(concurrentTests: boolean): void {
    this.running.loading = false;
    this.running.concurrent = concurrentTests;
    this.sync();
  }

  /** A beforeAll/beforeEach/afterEach/afterAll hook starts (true) or ends (false). */
  hookRunning(running: boolean): void {
    this.running.hook = running;
    this.sync();
  }

  /** A test's function starts (true), or the test is done (false, after its judgement). */
  testRunning(running: boolean): void {
    this.running.test = running;
    this.sync();
  }

  window(owner: string | null): void {
    this.owner = owner;
  }

  /** While a matcher measures: it counts handles per call itself, and the hook would be noise. */
  async pause(): Promise<void> {
    this.paused = true;
    this.sync();
  }

  resume(owner: string | null): void {
    this.owner = owner;
    this.paused = false;
    this.sync();
  }

  async testDone(owner: string): Promise<Judgement | undefined> {
    const findings = await this.openAfterGrace(owner);
    if (findings.length === 0) return undefined;
    // Judged once: what it left open is not the file's either.
    for (const [asyncId, entry] of this.live) if (entry.owner === owner) this.live.delete(asyncId);
    return { owner, outcome: this.outcome, findings: this.atSourcePositions(findings) };
  }

  /**
   * Between tests Jest itself runs (hook timeouts, reporters): only handles created by the
   * project's own code (beforeAll, describe bodies, concurrent tests) are the file's.
   */
  async fileDone(): Promise<Judgement[]> {
    const findings = (await this.openAfterGrace(null)).filter((f) => f.site !== null);
    return findings.length === 0 ? [] : [{ owner: null, outcome: this.outcome, findings: this.atSourcePositions(findings) }];
  }

  dispose(): void {
    this.hook.disable();
    this.hookOn = false;
    this.live.clear();
    if (this.ownsClient) this.client?.disconnect();
  }

  /**
   * Creation stacks at their positions in the source Jest transformed (ts-jest, babel-jest), as
   * the heap check does for its sites (`interval.test.js:5:13` was the line of babel's output for
   * line 3). Only for findings about to be reported: reading the maps enables the Debugger
   * (~0.1-0.2 s per file), never paid by a clean file. Judging, keys and `ignore` use the raw frames.
   */
  private atSourcePositions(findings: LeakFinding[]): LeakFinding[] {
    this.client ??= new InspectorClient();
    return atSourcePositions(findings, this.client);
  }

  private get outcome(): Judgement['outcome'] {
    return this.options.mode === 'fail' ? 'failed' : 'warned';
  }

  private sync(): void {
    const { loading, hook, test, concurrent } = this.running;
    const want = !this.paused && (loading || hook || test || concurrent);
    if (want === this.hookOn) return;
    this.hookOn = want;
    if (want) this.hook.enable();
    else this.hook.disable();
  }

  /** Sockets and servers close asynchronously: they get the grace period before they are judged. */
  private async openAfterGrace(owner: string | null): Promise<LeakFinding[]> {
    let open = this.openFindings(owner);
    for (let waited = 0; open.length > 0 && waited < this.options.graceMs; waited += 10) {
      await sleep(10);
      open = this.openFindings(owner);
    }
    return open;
  }

  /** Still-open resources created while `owner` ran: one finding per type and creation stack. */
  private openFindings(owner: string | null): LeakFinding[] {
    const findings = new Map<string, LeakFinding & { stack: JsSite[] }>();
    for (const [asyncId, entry] of this.live) {
      const state = stateOf(entry);
      if (state === 'closed') {
        this.live.delete(asyncId);
        continue;
      }
      if (entry.owner !== owner || (state === 'unref' && !this.options.includeUnref)) continue;
      const stack = whereCreated(entry.stack);
      const key = [entry.type, ...stack.map(jsSiteKey)].join('\n');
      const finding = findings.get(key);
      if (finding) finding.count++;
      else {
        const site = stack.find(isUserSite) ?? null;
        findings.set(key, { kind: 'handles', name: entry.type, site, stack, count: 1, bytes: 0, per: 'test', perRound: [] });
      }
    }
    return [...findings.values()].filter((f) => !this.ignored(f));
  }

  /** `handles.ignore`: a type (either spelling, `TCPSERVERWRAP` or `TCPServerWrap`), or a substring of a frame the message shows. */
  private ignored(finding: LeakFinding & { stack: JsSite[] }): boolean {
    const { ignore } = this.options;
    if (ignore.length === 0) return false;
    const shown = shownFrames(finding.stack).map(siteText);
    return findingIgnored(finding, ignore) || ignore.some((pattern) => shown.some((frame) => frame.includes(pattern)));
  }
}

/**
 * The creation stack as plain data, taken now: function, file, line and column of each call site,
 * read inside `Error.prepareStackTrace`. A captured but unformatted stack keeps every frame's
 * receiver alive (the Timeout being constructed among them): that retained each cleared timer.
 * `above` (the hook) and everything it called are left out.
 */
function creationStack(above: (...args: never[]) => void): JsSite[] {
  const holder: { stack?: unknown } = {};
  const limit = Error.stackTraceLimit;
  const prepare = Error.prepareStackTrace;
  Error.stackTraceLimit = 20;
  Error.prepareStackTrace = (_error, callSites) =>
    callSites.map((c) => jsSite(c.getFunctionName() ?? '', c.getFileName() ?? '', c.getLineNumber() ?? 0, c.getColumnNumber() ?? 0));
  try {
    Error.captureStackTrace(holder, above);
    return holder.stack as JsSite[];
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

/** Node's async_hooks plumbing that calls the hook: never where a resource was created. */
function isHookPlumbing(site: JsSite): boolean {
  return site.file === 'node:internal/async_hooks';
}

/** The innermost frame that is not Node's own is leakproof's: leakproof created it, for itself. */
function createdByLeakproof(stack: JsSite[]): boolean {
  const frame = stack.find((f) => !isHookPlumbing(f) && !f.file.startsWith('node:') && f.file !== '');
  return frame !== undefined && isOwnSite(frame);
}

/**
 * Where a resource was created, as the finding keeps it: the project's frames; or, when it was
 * created in a callback (after a DNS lookup, say) or by a dependency alone, the frames Node's
 * code gives, without the hook's own.
 */
function whereCreated(stack: JsSite[]): JsSite[] {
  const user = stack.filter(isUserSite);
  return user.length > 0 ? user : stack.filter((f) => !isHookPlumbing(f) && !isOwnSite(f));
}

type ResourceState = 'open' | 'unref' | 'closed';

/**
 * Timers say it with `_destroyed` (cleared, or fired and not repeating). Handle wraps answer
 * `hasRef()` true only while open and ref'd; once closed their native side is gone and it answers
 * false or undefined, so an unref'd handle cannot be told from a closed one: only timers can be
 * reported as `unref` (includeUnref). File handles keep an `fd` of -1 once closed.
 */
function stateOf(entry: Entry): ResourceState {
  const resource = entry.resource.deref() as { hasRef?: () => unknown; _destroyed?: boolean; fd?: number } | undefined;
  if (!resource) return 'closed';
  if (entry.type === 'Timeout') {
    if (resource._destroyed === true) return 'closed';
    return typeof resource.hasRef === 'function' && !resource.hasRef() ? 'unref' : 'open';
  }
  if (typeof resource.hasRef === 'function') return resource.hasRef() === true ? 'open' : 'closed';
  if (typeof resource.fd === 'number') return resource.fd >= 0 ? 'open' : 'closed';
  return 'open';
}
