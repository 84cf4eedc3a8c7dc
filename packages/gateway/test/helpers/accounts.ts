import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountAdmin } from '../../src/admin/account-admin.js';
import { openAccountStore } from '../../src/accounts/store/open-account-store.js';
import { parseConfig } from '../../src/config-loader/load-config.js';
import type { AuthConfig, PortierConfig } from '../../src/config/config-types.js';
import type { Clock } from '../../src/clock.js';
import type { TestGateway } from './gateway.js';
import { stringify } from 'yaml';

/** A fresh SQLite file in its own temporary folder. */
export function tempDbPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'portier-db-')), 'portier.db');
}

/** Admin operations inside the running gateway: its own store, its cache emptied after each write. */
export function adminOf(portier: TestGateway, config: Record<string, unknown>): AccountAdmin {
  const keys = portier.gateway.keys;
  if (keys === undefined) throw new Error('the gateway has no auth section');
  return new AccountAdmin(keys.store, loaded(config), 'test', () => keys.invalidate());
}

/** Admin operations from outside, like the CLI: a second connection to the same file. */
export function outsideAdmin(config: Record<string, unknown>, clock: Clock): { admin: AccountAdmin; close(): void } {
  const full = loaded(config);
  const store = openAccountStore(full.auth.store, clock);
  return { admin: new AccountAdmin(store, full, 'outside'), close: () => store.close() };
}

function loaded(config: Record<string, unknown>): PortierConfig & { auth: AuthConfig } {
  const result = parseConfig(stringify(config), 'test.yaml', {});
  if (!result.ok || result.config.auth === undefined) throw new Error('test config invalid or without auth');
  return result.config as PortierConfig & { auth: AuthConfig };
}
