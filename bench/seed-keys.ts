// Creates `count` API keys (100 accounts of 100 keys) in the store a bench config names; returns them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccountAdmin } from '../packages/gateway/dist/admin/account-admin.js';
import { SqliteAccountStore } from '../packages/gateway/dist/accounts/store/sqlite-account-store.js';
import { loadConfigFile } from '../packages/gateway/dist/config-loader/load-config.js';
import type { AuthConfig, PortierConfig } from '../packages/gateway/dist/config/config-types.js';

export async function seedKeys(configFile: string, count: number): Promise<string[]> {
  const result = loadConfigFile(configFile);
  if (!result.ok || result.config.auth === undefined) throw new Error('bench config has no auth section');
  const config = result.config as PortierConfig & { auth: AuthConfig };
  const store = new SqliteAccountStore(config.auth.store.sqlitePath, { now: () => Date.now() });
  const admin = new AccountAdmin(store, config, 'bench');
  const keys: string[] = [];
  try {
    for (let a = 0; keys.length < count; a++) {
      const account = await admin.createAccount(`bench-${a}`, 'standard');
      for (let k = 0; k < 100 && keys.length < count; k++) {
        keys.push((await admin.createKey({ accountId: account.id, name: `k${k}`, scopes: ['rows:read'], bindings: ['b1'] })).secret);
      }
    }
  } finally {
    store.close();
  }
  return keys;
}

/** Writes the keys one per line to `<dir>/keys.txt`, where the hand-written peers read them; returns the path. */
export function writeKeysFile(dir: string, keys: readonly string[]): string {
  const file = join(dir, 'keys.txt');
  writeFileSync(file, `${keys.join('\n')}\n`);
  return file;
}
