import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { AccountStore, ApiKey, KeyPolicy } from '../src/accounts/store/account-store.js';
import { SqliteAccountStore } from '../src/accounts/store/sqlite-account-store.js';
import { PostgresAccountStore } from '../src/accounts/store/postgres-account-store.js';
import { defaultKeyCache, KeyDirectory, type KeyEntry } from '../src/accounts/key-directory.js';
import { PortierError } from '../src/errors/portier-error.js';
import type { KeyCacheConfig } from '../src/config/config-types.js';
import { systemClock } from '../src/clock.js';
import { storeBackends } from './helpers/store-backends.js';
import { tempDbPath } from './helpers/accounts.js';
import { waitFor, within } from './helpers/wait-for.js';

const policy: KeyPolicy = { instance: 'eu1', environment: 'live', maxKeysPerAccount: 1000, rotationGraceMs: 60_000 };
const silent = pino({ level: 'silent' });

/** A gate a test opens by hand: what a slow store waits on after it has read its row. */
class Gate {
  private opened = false;
  private waiters: (() => void)[] = [];
  wait(): Promise<void> {
    if (this.opened) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  open(): void {
    this.opened = true;
    for (const waiter of this.waiters) waiter();
    this.waiters = [];
  }
}

/**
 * The real store, with key lookups that read their row at once and answer only when `gate` opens (a
 * store answering late); counts the lookups that reached it. Everything else goes straight through.
 */
function slowStore(real: AccountStore, gate: () => Gate | undefined, onRead: () => void = () => undefined): AccountStore & { readonly getKeyCalls: () => number; readonly getAccountCalls: () => number; readonly useBatches: () => number; readonly lastUseWrite: () => Promise<void> } {
  let calls = 0;
  let accountCalls = 0;
  let batches = 0;
  let lastUseWrite: Promise<void> = Promise.resolve();
  const wrapper = Object.create(real) as AccountStore;
  return Object.assign(wrapper, {
    getKey: async (id: string): Promise<ApiKey | undefined> => {
      calls++;
      const key = await real.getKey(id);
      onRead();
      await gate()?.wait();
      return key;
    },
    recordKeyUse: (uses: ReadonlyMap<string, number>): Promise<void> => {
      batches++;
      lastUseWrite = real.recordKeyUse(uses);
      return lastUseWrite;
    },
    changeMarker: () => real.changeMarker(),
    getAccount: (id: string) => {
      accountCalls++;
      return real.getAccount(id);
    },
    getKeyCalls: () => calls,
    getAccountCalls: () => accountCalls,
    useBatches: () => batches,
    lastUseWrite: () => lastUseWrite,
  });
}

const backends = storeBackends<AccountStore>(
  (path) => new SqliteAccountStore(path, systemClock),
  (config) => new PostgresAccountStore(config, systemClock),
);

for (const backend of backends) {
  describe(`key cache and revocation: ${backend.name}`, () => {
    let writer: AccountStore;
    let reader: AccountStore;
    let accountId = '';

    beforeAll(async () => {
      await backend.setUp();
      writer = backend.open();
      reader = backend.open();
      accountId = (await writer.createAccount({ name: 'Acme', plan: 'free' }, 'test')).id;
    });
    afterAll(async () => {
      writer.close();
      reader.close();
      await backend.tearDown();
    });

    async function newKey(): Promise<string> {
      return (await writer.createKey({ accountId, name: 'k', scopes: [], bindings: [], expiresAt: undefined }, policy, 'test')).key.id;
    }

    it(`${backend.name}: a lookup that read the key before it was revoked from another connection is not cached, and the key is refused after the invalidation`, async () => {
      const id = await newKey();
      let gate: Gate | undefined = new Gate();
      let keyRead!: () => void;
      const read = new Promise<void>((resolve) => (keyRead = resolve));
      const store = slowStore(reader, () => gate, () => keyRead());
      const directory = new KeyDirectory(store, systemClock, silent);
      try {
        await directory.started;
        const lookup = directory.lookup(id) as Promise<KeyEntry | undefined>;
        // The row has been read (active); its answer is held back while the key is revoked elsewhere.
        await within(read, 'the slow store reading the key');
        expect(store.getKeyCalls()).toBe(1);
        const before = directory.stats().invalidations;
        await writer.revokeKey(id, 'test');
        await waitFor(() => directory.stats().invalidations, { what: 'the directory seeing the revocation', until: (seen) => seen > before });
        gate.open();
        gate = undefined;
        const answered = await lookup;
        // The late answer was read under the old generation: dropped, and the key asked for again.
        expect(answered?.key.status).toBe('revoked');
        expect(directory.stats().staleFills).toBe(1);
        expect(store.getKeyCalls()).toBe(2);
        // From the cache now, still revoked (the issue saw `active` here until the next write).
        const cached = directory.lookup(id) as KeyEntry;
        expect(cached.key.status).toBe('revoked');
        expect(store.getKeyCalls()).toBe(2);
      } finally {
        await directory.close();
      }
    });

    it(`${backend.name}: lookups of one unknown id share one store query, then the id is answered from a bounded negative cache until keys change`, async () => {
      const store = slowStore(reader, () => undefined);
      const directory = new KeyDirectory(store, systemClock, silent, { ...defaultKeyCache, maxUnknownKeys: 50 });
      try {
        await directory.started;
        const answers = await Promise.all(Array.from({ length: 20 }, () => directory.lookup('k_unknown_one')));
        expect(answers.every((answer) => answer === undefined)).toBe(true);
        expect(store.getKeyCalls()).toBe(1);
        expect(directory.lookup('k_unknown_one')).toBeUndefined();
        expect(store.getKeyCalls()).toBe(1);
        for (let i = 0; i < 200; i++) await directory.lookup(`k_unknown_${i}`);
        expect(directory.stats().unknownKeys).toBe(50);
        expect(directory.stats().evictedUnknownKeys).toBe(151);
        // A key created meanwhile is found once keys change: the negative cache is emptied with the rest.
        const created = await newKey();
        directory.invalidate();
        expect((await directory.lookup(created))?.key.id).toBe(created);
      } finally {
        await directory.close();
      }
    });

    it(`${backend.name}: at most maxConcurrentLookups store lookups run at once; past that a lookup is 503 account_store_busy`, async () => {
      const gate = new Gate();
      const store = slowStore(reader, () => gate);
      const directory = new KeyDirectory(store, systemClock, silent, { ...defaultKeyCache, maxConcurrentLookups: 2 });
      try {
        await directory.started;
        const first = directory.lookup('k_slow_a') as Promise<KeyEntry | undefined>;
        const second = directory.lookup('k_slow_b') as Promise<KeyEntry | undefined>;
        const joined = directory.lookup('k_slow_a') as Promise<KeyEntry | undefined>;
        const refused = await (directory.lookup('k_slow_c') as Promise<KeyEntry | undefined>).then(
          () => 'answered',
          (error: unknown) => (error instanceof PortierError ? `${error.status} ${error.code} ${error.headers?.['Retry-After'] ?? ''}` : String(error)),
        );
        expect(refused).toBe('503 account_store_busy 1');
        expect(directory.stats()).toMatchObject({ lookupsRunning: 2, refusedLookups: 1 });
        gate.open();
        expect(await Promise.all([first, second, joined])).toEqual([undefined, undefined, undefined]);
        expect(store.getKeyCalls()).toBe(2);
        expect(directory.stats().lookupsRunning).toBe(0);
      } finally {
        await directory.close();
      }
    });

    it(`${backend.name}: once half the lookups are taken, a client holding its share starts no more, and another client still gets one`, async () => {
      const gate = new Gate();
      const store = slowStore(reader, () => gate);
      const directory = new KeyDirectory(store, systemClock, silent, { ...defaultKeyCache, maxConcurrentLookups: 4, maxConcurrentLookupsPerClient: 1 });
      const outcome = (lookup: KeyEntry | undefined | Promise<KeyEntry | undefined>): Promise<string> =>
        Promise.resolve(lookup).then(
          () => 'answered',
          (error: unknown) => (error instanceof PortierError ? error.code : String(error)),
        );
      try {
        await directory.started;
        // While the store is not pressed, one address takes more than its share (a load balancer's).
        const attacker = [directory.lookup('k_rand_1', '10.0.0.66'), directory.lookup('k_rand_2', '10.0.0.66')].map(outcome);
        const refused = await outcome(directory.lookup('k_rand_3', '10.0.0.66'));
        expect(refused).toBe('account_store_busy');
        const other = outcome(directory.lookup('k_real', '10.0.0.7'));
        expect(directory.stats()).toMatchObject({ lookupsRunning: 3, refusedLookups: 1 });
        gate.open();
        expect(await Promise.all([...attacker, other])).toEqual(['answered', 'answered', 'answered']);
        // Slots given back: the address starts lookups again.
        expect(await outcome(directory.lookup('k_rand_4', '10.0.0.66'))).toBe('answered');
      } finally {
        await directory.close();
      }
    });

    it(`${backend.name}: keys of one account share the cached account, read from the store once until keys change; the cached key's lists and hash are its own values`, async () => {
      const [first, second] = [await newKey(), await newKey()] as [string, string];
      const stored = (await reader.getKey(first)) as ApiKey;
      const store = slowStore(reader, () => undefined);
      const directory = new KeyDirectory(store, systemClock, silent);
      try {
        await directory.started;
        const a = (await directory.lookup(first)) as KeyEntry;
        const b = (await directory.lookup(second)) as KeyEntry;
        expect(store.getAccountCalls()).toBe(1);
        expect(b.account).toBe(a.account);
        expect(a.account.id).toBe(accountId);
        expect(a.key.accountId).toBe(accountId);
        expect(a.key).toEqual(stored);
        expect(b.key.scopes).toBe(a.key.scopes);
        // The two hashes are copies side by side in one buffer, each still its own key's.
        expect(a.key.hash.equals(stored.hash)).toBe(true);
        expect(b.key.hash.equals(a.key.hash)).toBe(false);
        expect(b.key.hash.buffer).toBe(a.key.hash.buffer);
        // A change empties the shared accounts with the cache: the next key reads its account again.
        directory.invalidate();
        expect((await directory.lookup(second))?.account.id).toBe(accountId);
        expect(store.getAccountCalls()).toBe(2);
      } finally {
        await directory.close();
      }
    });

    it(`${backend.name}: the key cache keeps at most maxKeys (least recently used dropped) and last-used times are written early when maxPendingUses is reached`, async () => {
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push(await newKey());
      const store = slowStore(reader, () => undefined);
      const limits: KeyCacheConfig = { ...defaultKeyCache, maxKeys: 5, maxPendingUses: 4 };
      const directory = new KeyDirectory(store, systemClock, silent, limits);
      try {
        await directory.started;
        for (const id of ids) {
          await directory.lookup(id);
          directory.noteUse(id);
          // A batch still being written when the next fills would drop uses (by design): wait for it here.
          await store.lastUseWrite();
          // The first key stays recently used: never the one evicted.
          void directory.lookup(ids[0] as string);
        }
        expect(directory.stats()).toMatchObject({ cachedKeys: 5, evictedKeys: 7 });
        expect(directory.lookup(ids[0] as string)).toBeDefined();
        expect(directory.lookup(ids[0] as string)).not.toBeInstanceOf(Promise);
        expect(directory.lookup(ids[1] as string)).toBeInstanceOf(Promise);
        // 12 uses with room for 4: written in batches as it fills, never more than 4 held.
        expect(directory.stats().pendingUses).toBeLessThanOrEqual(4);
        expect(store.useBatches()).toBe(2);
        expect(directory.stats().droppedUses).toBe(0);
      } finally {
        await directory.close();
      }
    });
  });
}

describe('key cache memory', () => {
  it('key cache: 20,000 distinct unknown keys leave at most maxUnknownKeys entries behind', async () => {
    const store = new SqliteAccountStore(tempDbPath(), systemClock);
    const directory = new KeyDirectory(store, systemClock, silent, { ...defaultKeyCache, maxUnknownKeys: 1000 });
    try {
      await directory.started;
      for (let i = 0; i < 20_000; i++) await directory.lookup(`k_random_${i}`);
      expect(directory.stats()).toMatchObject({ unknownKeys: 1000, cachedKeys: 0, evictedUnknownKeys: 19_000 });
    } finally {
      await directory.close();
      store.close();
    }
  });
});
