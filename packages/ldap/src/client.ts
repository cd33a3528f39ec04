import { ClientClosedError, LdapError, toLdapError } from './errors';
import type { NativeBinding, NativeClient, NativeSearchResult } from './native';
import type { ClientOptions, SearchEntry, SearchOptions, SearchResult, SearchScope } from './types';

const SCOPES: Record<SearchScope, number> = { base: 0, one: 1, sub: 2 };
const MAX_INT32 = 2 ** 31 - 1;

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return 'an array';
  return 'an object';
}

function checkInteger(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be an integer, got ${show(value)}`);
  if (!Number.isInteger(value) || value < min || value > MAX_INT32) {
    throw new RangeError(`${name} must be an integer from ${min} to ${MAX_INT32}, got ${show(value)}`);
  }
  return value;
}

interface SearchArguments {
  base: string;
  scope: number;
  filter: string;
  attributes: string[] | undefined;
  sizeLimit: number;
  timeLimit: number;
  pageSize: number;
  cookie: Buffer | undefined;
}

function searchArguments(base: unknown, options: SearchOptions | undefined): SearchArguments {
  if (typeof base !== 'string') throw new TypeError(`search: base must be a DN string, got ${show(base)}`);
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`search: options must be an object, got ${show(options)}`);
  }
  const { scope = 'sub', filter = '(objectClass=*)', attributes, sizeLimit = 0, timeLimit = 0, paged } = options ?? {};
  if (!Object.prototype.hasOwnProperty.call(SCOPES, scope)) {
    throw new RangeError(`search: options.scope must be 'base', 'one' or 'sub', got ${show(scope)}`);
  }
  if (typeof filter !== 'string' || filter === '')
    throw new TypeError(`search: options.filter must be a non-empty string, got ${show(filter)}`);
  if (attributes !== undefined && (!Array.isArray(attributes) || !attributes.every((a) => typeof a === 'string'))) {
    throw new TypeError(`search: options.attributes must be an array of strings, got ${show(attributes)}`);
  }
  let pageSize = 0;
  let cookie: Buffer | undefined;
  if (paged !== undefined) {
    if (paged === null || typeof paged !== 'object')
      throw new TypeError(`search: options.paged must be { pageSize, cookie? }, got ${show(paged)}`);
    pageSize = checkInteger('search: options.paged.pageSize', paged.pageSize, 1);
    if (paged.cookie !== undefined && !Buffer.isBuffer(paged.cookie)) {
      throw new TypeError(`search: options.paged.cookie must be a Buffer (a previous result's cookie), got ${show(paged.cookie)}`);
    }
    cookie = paged.cookie;
  }
  return {
    base,
    scope: SCOPES[scope],
    filter,
    attributes: attributes && attributes.length > 0 ? attributes : undefined,
    sizeLimit: checkInteger('search: options.sizeLimit', sizeLimit, 0),
    timeLimit: checkInteger('search: options.timeLimit', timeLimit, 0),
    pageSize,
    cookie,
  };
}

/**
 * An LDAP client over one connection, opened on first use. Any number of operations may be in
 * flight at once; each settles on its own. Call `unbind()` when done.
 */
export class Client {
  /** The addon this class drives; regression builds substitute theirs (src/regressions.ts). */
  protected static binding: () => NativeBinding;

  readonly #native: NativeClient;
  #connected = false;
  #connecting: Promise<void> | undefined;
  #closed = false;

  constructor(options: ClientOptions) {
    if (options === null || typeof options !== 'object')
      throw new TypeError(`new Client(options): options must be an object such as { url: 'ldap://localhost:389' }, got ${show(options)}`);
    const { url, timeout } = options;
    if (typeof url !== 'string' || !/^ldap:\/\/[^/?#]*\/?$/i.test(url)) {
      throw new TypeError(
        `new Client(options): options.url must be an ldap:// URL string such as 'ldap://localhost:389', got ${show(url)}`,
      );
    }
    const timeoutMs = timeout === undefined ? 0 : checkInteger('new Client(options): options.timeout (ms)', timeout, 1);
    const { NativeClient } = (this.constructor as typeof Client).binding();
    try {
      this.#native = new NativeClient(url, timeoutMs);
    } catch (failure) {
      const error = toLdapError(failure, 'new Client');
      const detail = error instanceof LdapError ? error.message : String(error);
      throw new TypeError(`new Client(options): options.url ${show(url)} is not a valid LDAP URL (${detail})`);
    }
  }

  /** Simple bind. Rejects with LdapError 49 (invalidCredentials) on a wrong password. */
  async bind(dn: string, password: string): Promise<void> {
    if (typeof dn !== 'string') throw new TypeError(`bind: dn must be a string, got ${show(dn)}`);
    if (typeof password !== 'string') throw new TypeError(`bind: password must be a string, got ${show(password)}`);
    const native = await this.#ready('bind');
    try {
      await native.bind(dn, password);
    } catch (failure) {
      throw toLdapError(failure, `bind ${dn}`);
    }
  }

  /** One search, every entry collected. Limits, errors and paging: README. */
  async search(base: string, options?: SearchOptions): Promise<SearchResult> {
    const a = searchArguments(base, options);
    const native = this.#connected && !this.#closed ? this.#native : await this.#ready('search');
    let result: NativeSearchResult;
    try {
      result = await native.search(a.base, a.scope, a.filter, a.attributes, a.sizeLimit, a.timeLimit, a.pageSize, a.cookie);
    } catch (failure) {
      throw toLdapError(failure, `search ${a.base}`);
    }
    return result;
  }

  /**
   * Streams entries as they arrive. With `paged`, follows every page (the next page is requested
   * only once the consumer has taken the current one). Leaving the loop early abandons the search.
   */
  async *searchIterator(base: string, options?: SearchOptions): AsyncGenerator<SearchEntry, void, undefined> {
    const a = searchArguments(base, options);
    const native = await this.#ready('searchIterator');
    let cookie = a.cookie;
    do {
      const queue: SearchEntry[] = [];
      let head = 0;
      let wake: (() => void) | undefined;
      let settled = false;
      let failure: unknown;
      let result: NativeSearchResult | undefined;
      const stream = native.searchStream(a.base, a.scope, a.filter, a.attributes, a.sizeLimit, a.timeLimit, a.pageSize, cookie, (entry) => {
        queue.push(entry);
        wake?.();
      });
      stream.done.then(
        (value) => ((result = value), (settled = true), wake?.()),
        (error: unknown) => ((failure = error), (settled = true), wake?.()),
      );
      try {
        for (;;) {
          if (head < queue.length) {
            const entry = queue[head];
            queue[head++] = undefined as unknown as SearchEntry;
            yield entry;
          } else if (settled) {
            break;
          } else {
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
          }
        }
      } finally {
        if (!settled) native.abandon(stream.msgid); // the consumer left the loop early
      }
      if (failure !== undefined) throw toLdapError(failure, `search ${a.base}`);
      cookie = a.pageSize > 0 ? result?.cookie : undefined;
    } while (cookie);
  }

  /**
   * Sends the unbind request and closes the connection. Operations still in flight reject with
   * LdapError -8 (userCancelled); later calls reject with ClientClosedError. A second unbind() is
   * a no-op.
   */
  async unbind(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#connecting) await this.#connecting.catch(() => undefined);
    this.#native.unbind();
  }

  /** Operations in flight. */
  get pending(): number {
    return this.#closed ? 0 : this.#native.pending;
  }

  async #ready(operation: string): Promise<NativeClient> {
    if (this.#closed) throw new ClientClosedError(operation);
    if (!this.#connected) {
      this.#connecting ??= this.#native.connect().then(
        () => {
          this.#connected = true;
          this.#connecting = undefined;
        },
        (failure: unknown) => {
          this.#connecting = undefined; // the next operation tries again
          throw toLdapError(failure, 'connect');
        },
      );
      await this.#connecting;
      if (this.#closed) throw new ClientClosedError(operation);
    }
    return this.#native;
  }
}
