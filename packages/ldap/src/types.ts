/** Options of `new Client(options)`. */
export interface ClientOptions {
  /** `ldap://host[:port]` (plain LDAP; TLS schemes are not supported by this reference binding). */
  url: string;
  /** Milliseconds: bounds the TCP connect and every operation. Positive integer; none by default. */
  timeout?: number;
}

export type SearchScope = 'base' | 'one' | 'sub';

export interface SearchOptions {
  /** Default `sub`. */
  scope?: SearchScope;
  /** RFC 4515 filter. Default `(objectClass=*)`. */
  filter?: string;
  /** Attributes to return; default: all user attributes. */
  attributes?: string[];
  /** Maximum entries the server may return (0: the server's own limit). */
  sizeLimit?: number;
  /** Seconds the server may spend (0: the server's own limit). */
  timeLimit?: number;
  /** Simple paged results (RFC 2696): one page per call; pass the result's `cookie` back for the next. */
  paged?: { pageSize: number; cookie?: Buffer };
}

/** String values, or Buffers for binary attributes (README, "Binary attributes"). */
export type AttributeValues = string[] | Buffer[];

export interface SearchEntry {
  dn: string;
  attributes: Record<string, AttributeValues>;
}

export interface Control {
  oid: string;
  critical: boolean;
  value?: Buffer;
}

export interface SearchResult {
  entries: SearchEntry[];
  /** The server's response controls; always an array, empty when it sent none. */
  controls: Control[];
  /** Paged searches: the server's cookie when more pages follow; absent on the last page. */
  cookie?: Buffer;
}
