import { AccountAdmin } from '../admin/account-admin.js';
import { openAccountStore } from '../accounts/store/open-account-store.js';
import { systemClock } from '../clock.js';
import { generateKey } from '../accounts/keys/key-format.js';
import type { AuthConfig, PortierConfig } from '../config/config-types.js';

/** What `npm start` hands the newcomer: an account and keys to call the demo with. */
export interface DemoCredentials {
  readonly accountId: string;
  readonly readKey: string;
  readonly otherBaseKey: string;
  /** Well-formed but never stored: shows `invalid_token`. */
  readonly unknownKey: string;
  /** Well-formed, of the eu1 instance: shows `wrong_instance`. */
  readonly otherInstanceKey: string;
}

/** Creates a demo account on the free plan with two keys: one for base b1, one for base b2. */
export async function seedDemoAccount(config: PortierConfig & { auth: AuthConfig }): Promise<DemoCredentials> {
  const store = openAccountStore(config.auth.store, systemClock);
  try {
    const admin = new AccountAdmin(store, config, 'demo');
    const account = await admin.createAccount('Demo account', 'free');
    const read = await admin.createKey({ accountId: account.id, name: 'demo b1', scopes: ['rows:read'], bindings: ['b1'] });
    const other = await admin.createKey({ accountId: account.id, name: 'demo b2', scopes: ['rows:read', 'rows:write'], bindings: ['b2'] });
    return {
      accountId: account.id,
      readKey: read.secret,
      otherBaseKey: other.secret,
      unknownKey: generateKey(config.auth).secret,
      otherInstanceKey: generateKey({ instance: 'eu1', environment: config.auth.environment }).secret,
    };
  } finally {
    store.close();
  }
}
