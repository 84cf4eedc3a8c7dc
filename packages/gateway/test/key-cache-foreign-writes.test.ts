import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import pino from 'pino';
import type { AccountStore, KeyPolicy } from '../src/accounts/store/account-store.js';
import { SqliteAccountStore } from '../src/accounts/store/sqlite-account-store.js';
import { KeyDirectory, type KeyEntry } from '../src/accounts/key-directory.js';
import { CounterSnapshots } from '../src/policies/rate-limit/counter-snapshots.js';
import { LocalCounters } from '../src/policies/rate-limit/local-counters.js';
import { compileLimit } from '../src/policies/rate-limit/compile-limits.js';
import { SqliteIdempotencyStore } from '../src/policies/idempotency/sqlite-idempotency-store.js';
import { SqliteOperationQueue } from '../src/operations/sqlite-operation-queue.js';
import { systemClock } from '../src/clock.js';
import { tempDbPath } from './helpers/accounts.js';

const policy: KeyPolicy = { instance: 'eu1', environment: 'live', maxKeysPerAccount: 10, rotationGraceMs: 60_000 };
const silent = pino({ level: 'silent' });

/** The gateway's store, counting the key lookups and change checks that reach it. */
function countingStore(real: AccountStore): AccountStore & { readonly getKeyCalls: () => number; readonly markerReads: () => number } {
  let getKeyCalls = 0;
  let markerReads = 0;
  const wrapper = Object.create(real) as AccountStore;
  return Object.assign(wrapper, {
    getKey: (id: string) => {
      getKeyCalls++;
      return real.getKey(id);
    },
    getAccount: (id: string) => real.getAccount(id),
    changeMarker: () => {
      markerReads++;
      return real.changeMarker();
    },
    recordKeyUse: (uses: ReadonlyMap<string, number>) => real.recordKeyUse(uses),
    getKeyCalls: () => getKeyCalls,
    markerReads: () => markerReads,
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${what}: not within 5 s`);
}

describe('key cache and writes to the accounts file', () => {
  let path = '';
  let gatewayStore: SqliteAccountStore;
  /** Another process on the same file: the CLI, or a second gateway. */
  let outside: SqliteAccountStore;
  let store: ReturnType<typeof countingStore>;
  let directory: KeyDirectory;
  let accountId = '';
  let keyId = '';

  beforeEach(async () => {
    path = tempDbPath();
    gatewayStore = new SqliteAccountStore(path, systemClock);
    outside = new SqliteAccountStore(path, systemClock);
    accountId = (await outside.createAccount({ name: 'Acme', plan: 'free' }, 'test')).id;
    keyId = (await outside.createKey({ accountId, name: 'k', scopes: [], bindings: [], expiresAt: undefined }, policy, 'test')).key.id;
    store = countingStore(gatewayStore);
    directory = new KeyDirectory(store, systemClock, silent);
    await directory.started;
    expect((await directory.lookup(keyId))?.key.id).toBe(keyId);
  });
  afterEach(async () => {
    await directory.close();
    gatewayStore.close();
    outside.close();
  });

  /** Resolves once a change check has run from start to end after this call (checks never overlap). */
  async function afterNextChangeCheck(): Promise<void> {
    const reads = store.markerReads();
    await until(() => store.markerReads() >= reads + 2, 'two change checks');
  }

  it('key cache: stays full when rate-limit snapshots, idempotency records, queued operations, entity slots and last-used times are written to the file by other connections', async () => {
    // A plain connection on the file: its data_version shows that the other connections did write.
    const watcher = new Database(path, { readonly: true });
    const counters = new LocalCounters();
    const snapshots = new CounterSnapshots(path, counters, systemClock, silent);
    const idempotency = new SqliteIdempotencyStore(path, systemClock);
    const queue = new SqliteOperationQueue(path, systemClock);
    try {
      const dataVersion = watcher.pragma('data_version', { simple: true });
      const invalidations = directory.stats().invalidations;
      const lookups = store.getKeyCalls();
      const now = systemClock.now();

      const day = compileLimit({ name: 'day', limit: 1000, per: 'day', algorithm: 'fixed', timeZone: 'UTC', whenStoreDown: 'local', by: ['key'] });
      expect(counters.decide([{ limit: day, counterKey: `day:${keyId}` }], 1, now).admitted).toBe(true);
      snapshots.save();
      const owner = 'attempt-1';
      expect(await idempotency.begin({ scope: 's1', fingerprint: 'f1', owner, now, lockUntil: now + 60_000, expiresAt: now + 86_400_000 })).toEqual({ kind: 'started' });
      await idempotency.complete('s1', owner, { status: 201, headers: [], body: Buffer.from('{}'), correlationId: 'c1' });
      const operation = { id: 'op-1', accountId, routeId: 'push', method: 'POST', url: '/push', params: {}, headers: [], body: undefined, correlationId: 'c2', requestedAt: now, deadlineAt: now + 3_600_000 };
      expect(await queue.enqueue(operation, 100)).toBe(true);
      const [claimed] = await queue.claim(now, 30_000, 1);
      expect(claimed?.id).toBe('op-1');
      if (claimed !== undefined) expect(await queue.settle(claimed, { kind: 'done', status: 'Success', webhook: false }, now)).toBe(true);
      expect(await outside.reserveEntity(accountId, 'companies', 10)).toEqual({ taken: true, usage: 1 });
      await outside.recordKeyUse(new Map([[keyId, now]]));

      expect(watcher.prepare('SELECT count(*) AS n FROM rate_counters').get()).toEqual({ n: 1 });
      expect(watcher.pragma('data_version', { simple: true })).not.toBe(dataVersion);
      await afterNextChangeCheck();
      expect(directory.stats().invalidations).toBe(invalidations);
      // Answered from the cache: synchronously, without a store lookup.
      expect((directory.lookup(keyId) as KeyEntry).key.id).toBe(keyId);
      expect(store.getKeyCalls()).toBe(lookups);
    } finally {
      snapshots.close();
      idempotency.close();
      queue.close();
      watcher.close();
    }
  });

  it('key cache: a key revoked and an account disabled through another connection are refused after the next change check', async () => {
    const revokedAt = directory.stats().invalidations;
    await outside.revokeKey(keyId, 'cli');
    await until(() => directory.stats().invalidations > revokedAt, 'the revocation was seen');
    expect((await directory.lookup(keyId))?.key.status).toBe('revoked');

    const other = (await outside.createKey({ accountId, name: 'k2', scopes: [], bindings: [], expiresAt: undefined }, policy, 'test')).key.id;
    await afterNextChangeCheck();
    expect((await directory.lookup(other))?.account.status).toBe('active');
    const disabledAt = directory.stats().invalidations;
    await outside.updateAccount(accountId, { status: 'disabled' }, 'cli');
    await until(() => directory.stats().invalidations > disabledAt, 'the account change was seen');
    expect((await directory.lookup(other))?.account.status).toBe('disabled');
  });

  it('key cache: the gateway store\'s own account and key writes leave the change marker (the directory is emptied by whoever wrote)', async () => {
    const marker = gatewayStore.changeMarker();
    const { key } = await gatewayStore.createKey({ accountId, name: 'own', scopes: [], bindings: [], expiresAt: undefined }, policy, 'admin');
    await gatewayStore.revokeKey(key.id, 'admin');
    await gatewayStore.updateAccount(accountId, { plan: 'pro' }, 'admin');
    expect(gatewayStore.changeMarker()).toBe(marker);
    await outside.updateAccount(accountId, { plan: 'free' }, 'cli');
    expect(gatewayStore.changeMarker()).not.toBe(marker);
  });

  it('accounts version: moved by a write from another connection to any column of accounts and api_keys but last_used_at', () => {
    const raw = new Database(path);
    try {
      const columns = (table: string) => (raw.pragma(`table_info(${table})`) as { name: string }[]).map((column) => column.name);
      const moved: string[] = [];
      for (const [table, id] of [['accounts', accountId], ['api_keys', keyId]] as const) {
        for (const column of columns(table)) {
          const before = gatewayStore.changeMarker();
          // Setting a column to itself is enough: a trigger listing the column fires.
          raw.prepare(`UPDATE ${table} SET ${column} = ${column} WHERE id = ?`).run(id);
          if (gatewayStore.changeMarker() !== before) moved.push(`${table}.${column}`);
        }
      }
      const all = [...columns('accounts').map((column) => `accounts.${column}`), ...columns('api_keys').map((column) => `api_keys.${column}`)];
      expect(moved).toEqual(all.filter((name) => name !== 'api_keys.last_used_at'));
    } finally {
      raw.close();
    }
  });
});
