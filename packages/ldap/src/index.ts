import { Client as ClientBase } from './client';
import { loadShippedAddon, type NativeBinding } from './native';

let shipped: NativeBinding | undefined;

/** The LDAP client, over the shipped addon (build/Release/leakproof_ldap.node). */
export class Client extends ClientBase {
  protected static override binding = (): NativeBinding => (shipped ??= loadShippedAddon());
}

export { ClientClosedError, codeNameOf, LdapError, RESULT_CODE_NAMES, type LdapErrorDetails } from './errors';
export type { AttributeValues, ClientOptions, Control, SearchEntry, SearchOptions, SearchResult, SearchScope } from './types';
export const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319';
