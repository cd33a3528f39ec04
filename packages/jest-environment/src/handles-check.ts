import { createHook, type AsyncHook } from 'node:async_hooks';

/**
 * Long-lived resources worth failing a test for. Requests (fs, dns, writes) and promises are
 * short-lived by nature; tracking promises would also make every await pay for a stack.
 */
const TRACKED_TYPES = new Set([
  'Timeout',
  'TCPWRAP',
  'TCPSERVERWRAP',
  'PIPEWRAP',
  'PIPESERVERWRAP',
  'UDPWRAP',
  'PROCESSWRAP',
  'SIGNALWRAP',
  'FSEVENTWRAP',
  'STATWATCHER',
  'WORKER',
  'MESSAGEPORT',
  'FILEHANDLE',
  'HTTP2SESSION',
  'TLSWRAP',
]);

export interface OpenHandle {
  type: string;
  /** Where it was created: the project's frames, or Node's when it was created in a callback. */
  createdAt: string[];
  /** False when no frame of the project's code was on the stack (created in a callback, or by Jest). */
  createdByUserCode: boolean;
  owner: string;
}

interface Entry {
  type: string;
  owner: string;
  resource: WeakRef<object>;
  /** `fn (file:line:col)` lines, innermost first. */
  stack: string[];
}

/**
 * The creation stack as text, taken now. A captured but unformatted stack keeps every frame's
 * receiver alive (the Timeout being constructed among them): that retained each cleared timer.
 */
function creationStack(): string[] {
  const holder: { stack?: unknown } = {};
  const limit = Error.stackTraceLimit;
  const prepare = Error.prepareStackTrace;
  Error.stackTraceLimit = 20;
  Error.prepareStackTrace = (_error, frames) =>
    frames.map((f) => `${f.getFunctionName() ?? '(anonymous)'} (${f.getFileName() ?? '?'}:${f.getLineNumber()}:${f.getColumnNumber()})`);
  try {
    Error.captureStackTrace(holder, creationStack);
    return holder.stack as string[];
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

/**
 * Records where each long-lived resource was created and by which test. There is no `destroy`
 * hook on purpose: with one, Node tracks the destruction of every promise (a weak callback each),
 * which the benchmark showed as most of the check's cost. Whether a resource is still open is
 * read from the resource itself, and only when a test ends.
 */
export class HandleTracker {
  private readonly live = new Map<number, Entry>();
  private readonly hook: AsyncHook;
  /** Who new resources belong to: a test id, or `file` between tests. */
  owner = 'file';

  constructor() {
    this.hook = createHook({
      init: (asyncId, type, _trigger, resource) => {
        if (!TRACKED_TYPES.has(type)) return;
        this.live.set(asyncId, { type, owner: this.owner, resource: new WeakRef(resource), stack: creationStack() });
      },
    });
  }

  enable(): void {
    this.hook.enable();
  }

  /** While a matcher measures: it counts handles per call itself, and the hook would be noise. */
  pause(): void {
    this.hook.disable();
  }

  disable(): void {
    this.hook.disable();
    this.live.clear();
  }

  /** Still-open resources created while `owner` ran. */
  openFor(owner: string, options: { includeUnref: boolean; ignore: string[]; isUserStackLine: (line: string) => boolean }): OpenHandle[] {
    const open: OpenHandle[] = [];
    for (const [asyncId, entry] of this.live) {
      const state = stateOf(entry);
      if (state === 'closed') {
        this.live.delete(asyncId);
        continue;
      }
      if (entry.owner !== owner || (state === 'unref' && !options.includeUnref)) continue;
      // The stack is formatted only now, for leftovers. Frames in Node's own code say little:
      // keep the project's, or else (created in a callback, e.g. after a DNS lookup) the first ones.
      const lines = entry.stack;
      const userLines = lines.filter(options.isUserStackLine);
      const cwd = `${process.cwd()}/`;
      const createdAt = (
        userLines.length > 0 ? userLines : lines.filter((l) => !l.includes('node:internal/async_hooks') && !l.includes('AsyncHook.init'))
      )
        .slice(0, 3)
        .map((l) => l.replace(cwd, ''));
      if (options.ignore.some((pattern) => entry.type === pattern || createdAt.some((l) => l.includes(pattern)))) continue;
      open.push({ type: entry.type, createdAt, createdByUserCode: userLines.length > 0, owner });
    }
    return open;
  }

  /** Lets a test's resources move to the file (e.g. a test that ends in warn mode). */
  forget(owner: string): void {
    for (const [asyncId, entry] of this.live) if (entry.owner === owner) this.live.delete(asyncId);
  }
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
