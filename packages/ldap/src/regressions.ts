// Test-only clients over addons with a historical leak compiled in (binding.gyp, README). They
// behave exactly like the shipped Client, apart from what they leak.
import { Client as ClientBase } from './client';
import { ClientClosedError, LdapError } from './errors';
import { loadRegressionAddon, type NativeBinding } from './native';

export const REGRESSIONS = {
  /** One empty controls Array per search without response controls, held by a never-deleted napi_ref. */
  'controls-ref-leak': 'leakproof_ldap_controls_ref_leak',
  /** Native bytes per search finding nothing (zero entries or noSuchObject): ldap_parse_result's outputs and the message. */
  'not-found-leak': 'leakproof_ldap_not_found_leak',
} as const;

export type RegressionName = keyof typeof REGRESSIONS;

export interface RegressionModule {
  Client: typeof ClientBase;
  LdapError: typeof LdapError;
  ClientClosedError: typeof ClientClosedError;
  /** The addon's own report of what was compiled in. */
  variant: RegressionName;
}

const loaded = new Map<RegressionName, RegressionModule>();

export function loadRegressionClient(name: RegressionName): RegressionModule {
  if (!Object.prototype.hasOwnProperty.call(REGRESSIONS, name)) {
    throw new RangeError(
      `loadRegressionClient(name): name must be one of ${Object.keys(REGRESSIONS)
        .map((n) => `'${n}'`)
        .join(', ')}, got ${JSON.stringify(name)}`,
    );
  }
  let module = loaded.get(name);
  if (!module) {
    const binding: NativeBinding = loadRegressionAddon(REGRESSIONS[name]);
    if (binding.variant !== name)
      throw new Error(`@leakproof/ldap: ${REGRESSIONS[name]}.node reports variant ${binding.variant}, expected ${name}`);
    class Client extends ClientBase {
      protected static override binding = (): NativeBinding => binding;
    }
    module = { Client, LdapError, ClientClosedError, variant: name };
    loaded.set(name, module);
  }
  return module;
}
