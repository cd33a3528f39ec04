/** libldap result codes (RFC 4511 section 4.1.9, and libldap's negative client-side codes) by number. */
export const RESULT_CODE_NAMES: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'operationsError',
  2: 'protocolError',
  3: 'timeLimitExceeded',
  4: 'sizeLimitExceeded',
  5: 'compareFalse',
  6: 'compareTrue',
  7: 'authMethodNotSupported',
  8: 'strongerAuthRequired',
  10: 'referral',
  11: 'adminLimitExceeded',
  12: 'unavailableCriticalExtension',
  13: 'confidentialityRequired',
  14: 'saslBindInProgress',
  16: 'noSuchAttribute',
  17: 'undefinedAttributeType',
  18: 'inappropriateMatching',
  19: 'constraintViolation',
  20: 'attributeOrValueExists',
  21: 'invalidAttributeSyntax',
  32: 'noSuchObject',
  33: 'aliasProblem',
  34: 'invalidDNSyntax',
  36: 'aliasDereferencingProblem',
  48: 'inappropriateAuthentication',
  49: 'invalidCredentials',
  50: 'insufficientAccessRights',
  51: 'busy',
  52: 'unavailable',
  53: 'unwillingToPerform',
  54: 'loopDetect',
  64: 'namingViolation',
  65: 'objectClassViolation',
  66: 'notAllowedOnNonLeaf',
  67: 'notAllowedOnRDN',
  68: 'entryAlreadyExists',
  69: 'objectClassModsProhibited',
  71: 'affectsMultipleDSAs',
  80: 'other',
  [-1]: 'serverDown',
  [-2]: 'localError',
  [-3]: 'encodingError',
  [-4]: 'decodingError',
  [-5]: 'timeout',
  [-6]: 'authUnknown',
  [-7]: 'filterError',
  [-8]: 'userCancelled',
  [-9]: 'paramError',
  [-10]: 'noMemory',
  [-11]: 'connectError',
  [-12]: 'notSupported',
  [-13]: 'controlNotFound',
  [-14]: 'noResultsReturned',
  [-15]: 'moreResultsToReturn',
  [-16]: 'clientLoop',
  [-17]: 'referralLimitExceeded',
};

export function codeNameOf(code: number): string {
  return RESULT_CODE_NAMES[code] ?? `unknown(${code})`;
}

export interface LdapErrorDetails {
  matchedDN?: string;
  diagnosticMessage?: string;
  /** Entries received before a limit was hit (sizeLimitExceeded, timeLimitExceeded, adminLimitExceeded). */
  entries?: import('./types').SearchEntry[];
}

/** Any failure reported by the server or by libldap. `code` is the LDAP result code. */
export class LdapError extends Error {
  readonly code: number;
  readonly codeName: string;
  declare readonly matchedDN?: string;
  declare readonly diagnosticMessage?: string;
  declare readonly entries?: import('./types').SearchEntry[];

  constructor(code: number, message: string, details: LdapErrorDetails = {}) {
    super(message);
    this.name = 'LdapError';
    this.code = code;
    this.codeName = codeNameOf(code);
    if (details.matchedDN !== undefined) this.matchedDN = details.matchedDN;
    if (details.diagnosticMessage !== undefined) this.diagnosticMessage = details.diagnosticMessage;
    if (details.entries !== undefined) this.entries = details.entries;
  }
}

/** The client was unbound: thrown by every operation called after `unbind()`. Code -8 (userCancelled). */
export class ClientClosedError extends LdapError {
  constructor(operation: string) {
    super(-8, `${operation}: the client is unbound (userCancelled, -8); create a new Client to reconnect`);
    this.name = 'ClientClosedError';
  }
}

/** What the addon rejects with (src/native/convert.cc, ErrorToJs). */
interface NativeFailure {
  code: number;
  text: string;
  matchedDN?: string;
  diagnosticMessage?: string;
  entries?: import('./types').SearchEntry[];
}

function isNativeFailure(value: unknown): value is NativeFailure {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as NativeFailure).code === 'number' &&
    typeof (value as NativeFailure).text === 'string'
  );
}

/**
 * The one place a native failure becomes a JS error. The addon rejects with a plain object, not
 * an Error: objects it creates belong to Node's main context, and `instanceof LdapError` must hold
 * in the caller's context (a Jest test runs in its own vm context).
 */
export function toLdapError(failure: unknown, operation: string): unknown {
  if (!isNativeFailure(failure)) return failure;
  const { code, text, matchedDN, diagnosticMessage, entries } = failure;
  let message = `${operation}: ${codeNameOf(code)} (${code}), ${text}`;
  if (diagnosticMessage) message += `: ${diagnosticMessage}`;
  if (matchedDN) message += ` (matchedDN: ${matchedDN})`;
  return new LdapError(code, message, { matchedDN, diagnosticMessage, entries });
}
