import { setTimeout as realSetTimeout, clearTimeout as realClearTimeout } from 'node:timers';
import { eventLoopTurn } from './gc';

export type CallUnderTest = () => unknown;

/** The code under test threw or rejected: the caller should fail with `cause`, not a verdict. */
export class CallFailedError extends Error {
  override name = 'CallFailedError';
  constructor(
    override readonly cause: unknown,
    readonly callNumber: number,
  ) {
    super(`leakproof: the function under test threw on call ${callNumber}`);
  }
}

/** The measurement could not finish in time: never reported as a pass. */
export class MeasurementTimeoutError extends Error {
  override name = 'MeasurementTimeoutError';
  constructor(
    message: string,
    /** A call's promise was still pending at the deadline: fn's cost per call is unknown. */
    readonly pending = false,
  ) {
    super(message);
  }
}

/** Calls `fn` with a deadline; awaits only when `fn` returns a thenable. */
export class Caller {
  calls = 0;
  /** fn returned a thenable: its calls wait on the event loop (timers, I/O, immediates). */
  returnedPromises = false;
  constructor(
    private readonly fn: CallUnderTest,
    readonly deadline: number,
    private readonly timeout: number,
  ) {}

  async call(times: number): Promise<void> {
    for (let i = 0; i < times; i++) {
      if (performance.now() > this.deadline) throw this.timeoutError();
      this.calls++;
      const pending = this.invoke();
      if (pending) {
        this.returnedPromises = true;
        await this.awaitCall(pending);
      }
    }
    // Let timers and I/O callbacks of the calls run between batches, as a real program would.
    await eventLoopTurn();
  }

  /**
   * One call; its result is returned only when it is a thenable to await. A plain result must not
   * stay in this loop's registers across its awaits: the heap snapshot then found fn's last result
   * held by `(Strong roots).(current_microtask) -> Generator`, and named that as its retainer.
   */
  private invoke(): PromiseLike<unknown> | undefined {
    let result: unknown;
    try {
      result = this.fn();
    } catch (error) {
      throw new CallFailedError(error, this.calls);
    }
    return isThenable(result) ? result : undefined;
  }

  private async awaitCall(result: PromiseLike<unknown>): Promise<void> {
    let timer: ReturnType<typeof realSetTimeout> | undefined;
    const remaining = Math.max(1, this.deadline - performance.now());
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = realSetTimeout(() => resolve('timeout'), remaining);
    });
    try {
      const outcome = await Promise.race([
        Promise.resolve(result).then(
          () => 'ok' as const,
          (error: unknown) => {
            throw new CallFailedError(error, this.calls);
          },
        ),
        timedOut,
      ]);
      if (outcome === 'timeout') throw this.timeoutError(true);
    } finally {
      realClearTimeout(timer);
    }
  }

  private timeoutError(pending = false): MeasurementTimeoutError {
    const what = pending ? `call ${this.calls} returned a promise that did not settle` : `only ${this.calls} calls completed`;
    return new MeasurementTimeoutError(
      `leakproof: no verdict within ${this.timeout} ms: ${what}. ` +
        'Raise the test\'s timeout (test(name, fn, ms), jest.setTimeout(ms) or testTimeout: leakproof takes 80% of it) or the "timeout" option, ' +
        'or lower "callsPerRound"/"rounds"/"maxCallsPerRound".',
      pending,
    );
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}
