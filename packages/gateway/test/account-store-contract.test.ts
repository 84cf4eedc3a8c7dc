import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountStore, KeyPolicy } from '../src/accounts/store/account-store.js';
import { SqliteAccountStore } from '../src/accounts/store/sqlite-account-store.js';
import { PostgresAccountStore } from '../src/accounts/store/postgres-account-store.js';
import { hashKey } from '../src/accounts/keys/hash-key.js';
import { PortierError } from '../src/errors/portier-error.js';
import { ManualClock } from './helpers/gateway.js';
import { storeBackends } from './helpers/store-backends.js';

const policy: KeyPolicy = { instance: 'eu1', environment: 'live', maxKeysPerAccount: 5, rotationGraceMs: 60_000 };

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (error instanceof PortierError) return error.code;
    throw error;
  }
  return 'no error';
}

const clock = new ManualClock(Date.UTC(2026, 10, 22));
const backends = storeBackends<AccountStore>(
  (path) => new SqliteAccountStore(path, clock),
  (config) => new PostgresAccountStore(config, clock),
);

for (const backend of backends) {
  describe(`account store contract: ${backend.name}`, () => {
    let store: AccountStore;
    let other: AccountStore;

    beforeAll(async () => {
      await backend.setUp();
      store = backend.open();
      other = backend.open();
    });
    afterAll(async () => {
      store.close();
      other.close();
      await backend.tearDown();
    });

    it(`${backend.name}: accounts are created, read, listed and updated, each write audited with its actor`, async () => {
      const account = await store.createAccount({ name: 'Acme', plan: 'free' }, 'tester');
      expect(account).toMatchObject({ name: 'Acme', plan: 'free', status: 'active', createdAt: clock.now(), planSince: clock.now() });
      expect(await other.getAccount(account.id)).toEqual(account);
      expect((await other.listAccounts()).map((item) => item.id)).toContain(account.id);
      clock.advance(1000);
      const moved = await other.updateAccount(account.id, { plan: 'pro', status: 'disabled' }, 'operator');
      expect(moved).toMatchObject({ plan: 'pro', status: 'disabled', planSince: clock.now(), createdAt: account.createdAt });
      expect(await codeOf(store.updateAccount('acc_missing', { status: 'active' }, 'x'))).toBe('account_not_found');
      const [latest, earlier] = await store.listAudit(2);
      expect(latest).toMatchObject({ actor: 'operator', action: 'account.update', subject: account.id, details: { plan: 'pro', status: 'disabled' } });
      expect(earlier).toMatchObject({ actor: 'tester', action: 'account.create', details: { name: 'Acme', plan: 'free' } });
    });

    it(`${backend.name}: keys keep their scopes, bindings, expiry and hash; revoke and rotate as the contract says`, async () => {
      const account = await store.createAccount({ name: 'Keys', plan: 'free' }, 't');
      const expiresAt = clock.now() + 5000;
      const issued = await store.createKey({ accountId: account.id, name: 'ci', scopes: ['rows:read'], bindings: ['b1'], expiresAt }, policy, 't');
      const read = await other.getKey(issued.key.id);
      expect(read).toMatchObject({ accountId: account.id, name: 'ci', scopes: ['rows:read'], bindings: ['b1'], status: 'active', expiresAt });
      expect(Buffer.compare(read?.hash ?? Buffer.alloc(0), hashKey(issued.secret))).toBe(0);
      expect(await codeOf(store.createKey({ accountId: 'acc_missing', name: 'x', scopes: [], bindings: [], expiresAt: undefined }, policy, 't'))).toBe('account_not_found');

      clock.advance(1);
      const rotated = await other.rotateKey(issued.key.id, policy, 't');
      const old = await store.getKey(issued.key.id);
      expect(old).toMatchObject({ rotatedAt: clock.now(), graceUntil: clock.now() + 60_000, replacedBy: rotated.key.id });
      expect(rotated.key).toMatchObject({ scopes: ['rows:read'], bindings: ['b1'], expiresAt });
      expect(await codeOf(store.rotateKey(issued.key.id, policy, 't'))).toBe('key_not_found');

      const revoked = await store.revokeKey(rotated.key.id, 't');
      expect(revoked).toMatchObject({ status: 'revoked', revokedAt: clock.now() });
      expect(await codeOf(store.rotateKey(rotated.key.id, policy, 't'))).toBe('key_not_found');
      expect(await codeOf(store.revokeKey('nope', 't'))).toBe('key_not_found');
      expect((await other.listKeys(account.id)).map((key) => key.id)).toEqual([issued.key.id, rotated.key.id]);
      expect(await codeOf(store.listKeys('acc_missing'))).toBe('account_not_found');
    });

    it(`${backend.name}: the key limit holds when two stores create keys for one account at once`, async () => {
      const account = await store.createAccount({ name: 'Race', plan: 'free' }, 't');
      const attempts = Array.from({ length: 20 }, (_, i) =>
        codeOf((i % 2 === 0 ? store : other).createKey({ accountId: account.id, name: `k${i}`, scopes: [], bindings: [], expiresAt: undefined }, policy, 't')),
      );
      const codes = await Promise.all(attempts);
      expect(codes.filter((code) => code === 'no error')).toHaveLength(5);
      expect(codes.filter((code) => code === 'key_limit_reached')).toHaveLength(15);
      expect(await store.listKeys(account.id)).toHaveLength(5);
    });

    it(`${backend.name}: entity slots are taken atomically by two stores, given back never below zero, and set by hand`, async () => {
      const account = await store.createAccount({ name: 'Entities', plan: 'free' }, 't');
      const takes = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : other).reserveEntity(account.id, 'companies', 7)));
      expect(takes.filter((take) => take.taken)).toHaveLength(7);
      expect(takes.filter((take) => !take.taken).every((take) => take.usage === 7)).toBe(true);
      expect(await store.reserveEntity(account.id, 'companies', 0)).toEqual({ taken: false, usage: 7 });
      for (let i = 0; i < 9; i++) await other.releaseEntity(account.id, 'companies');
      expect(await store.entityCounts(account.id)).toEqual({ companies: 0 });
      await store.setEntityCount(account.id, 'companies', 49, 'operator');
      expect(await other.reserveEntity(account.id, 'companies', 50)).toEqual({ taken: true, usage: 50 });
      expect(await store.reserveEntity(account.id, 'companies', 50)).toEqual({ taken: false, usage: 50 });
      expect(await codeOf(store.setEntityCount('acc_missing', 'companies', 1, 'x'))).toBe('account_not_found');
    });

    it(`${backend.name}: last-used times only move forward; another store's write moves the change marker`, async () => {
      const account = await store.createAccount({ name: 'Use', plan: 'free' }, 't');
      const { key } = await store.createKey({ accountId: account.id, name: 'k', scopes: [], bindings: [], expiresAt: undefined }, policy, 't');
      await store.recordKeyUse(new Map([[key.id, 2000]]));
      await other.recordKeyUse(new Map([[key.id, 1000], ['unknown', 5]]));
      expect((await store.getKey(key.id))?.lastUsedAt).toBe(2000);
      const before = await store.changeMarker();
      await other.revokeKey(key.id, 't');
      expect(await store.changeMarker()).not.toBe(before);
    });

    it(`${backend.name}: last-used times of many keys in one write (more than one statement's rows) each land on their own key, and leave the change marker`, async () => {
      const account = await store.createAccount({ name: 'Many uses', plan: 'free' }, 't');
      const many = { ...policy, maxKeysPerAccount: 100 };
      const ids: string[] = [];
      for (let i = 0; i < 70; i++) ids.push((await store.createKey({ accountId: account.id, name: `k${i}`, scopes: [], bindings: [], expiresAt: undefined }, many, 't')).key.id);
      const before = await store.changeMarker();
      await other.recordKeyUse(new Map([...ids.map((id, i): [string, number] => [id, 10_000 + i]), ['unknown', 5]]));
      for (const [i, id] of ids.entries()) expect((await store.getKey(id))?.lastUsedAt).toBe(10_000 + i);
      expect(await store.changeMarker()).toBe(before);
    });

    it(`${backend.name}: the store's own writes leave its change marker (its writer empties the cache; the poll need not again)`, async () => {
      const account = await store.createAccount({ name: 'Own', plan: 'free' }, 't');
      const before = await store.changeMarker();
      const { key } = await store.createKey({ accountId: account.id, name: 'k', scopes: [], bindings: [], expiresAt: undefined }, policy, 't');
      await store.revokeKey(key.id, 't');
      await store.updateAccount(account.id, { plan: 'pro' }, 't');
      expect(await store.changeMarker()).toBe(before);
      await other.updateAccount(account.id, { plan: 'free' }, 't');
      expect(await store.changeMarker()).not.toBe(before);
    });
  });
}

describe('account store: PostgreSQL out of reach', () => {
  it('PostgreSQL: an unreachable server is 503 account_store_unavailable with Retry-After, not a crash or a hang', async () => {
    const store = new PostgresAccountStore({ url: 'postgres://postgres@127.0.0.1:1/test', schema: 'portier', poolSize: 1, connectTimeoutMs: 500, queryTimeoutMs: 500 }, new ManualClock());
    try {
      const error = await store.getKey('k').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PortierError);
      expect((error as PortierError).code).toBe('account_store_unavailable');
      expect((error as PortierError).headers).toEqual({ 'Retry-After': '5' });
      expect(await codeOf(store.createAccount({ name: 'x', plan: 'free' }, 't'))).toBe('account_store_unavailable');
    } finally {
      store.close();
    }
  });
});
