import { Session } from 'node:inspector';

/**
 * A synchronous wrapper around an in-process inspector session.
 * In-process sessions answer `post` before returning (measured on Node 20/22/24), which lets
 * probes run between two calls of the code under test without yielding to the event loop.
 */
export class InspectorClient {
  private readonly session = new Session();
  private connected = false;

  post<T = unknown>(method: string, params?: object): T {
    this.connect();
    let result: T | undefined;
    let error: Error | null | undefined;
    let answered = false;
    this.session.post(method, params ?? {}, (err, res) => {
      answered = true;
      error = err;
      result = res as T;
    });
    if (!answered) {
      throw new Error(`leakproof: the inspector did not answer ${method} synchronously; this Node version is not supported`);
    }
    if (error) throw new Error(`leakproof: inspector ${method} failed: ${error.message}`);
    return result as T;
  }

  /**
   * For commands that may answer later: Node 22 answers HeapProfiler.takeHeapSnapshot after
   * returning (measured), Node 20 before.
   */
  postAsync<T = unknown>(method: string, params?: object): Promise<T> {
    this.connect();
    return new Promise<T>((resolve, reject) => {
      this.session.post(method, params ?? {}, (err, res) => {
        if (err) reject(new Error(`leakproof: inspector ${method} failed: ${err.message}`));
        else resolve(res as T);
      });
    });
  }

  // Inspector events differ per domain; each caller reads the params it knows.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (message: { params: any }) => void): () => void {
    this.connect();
    this.session.on(event, listener);
    return () => this.session.off(event, listener);
  }

  disconnect(): void {
    if (this.connected) this.session.disconnect();
    this.connected = false;
  }

  private connect(): void {
    if (this.connected) return;
    this.session.connect();
    this.connected = true;
  }
}
