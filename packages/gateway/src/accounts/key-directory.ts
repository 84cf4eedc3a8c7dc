import type { Clock } from '../clock.js';
import type { KeyCacheConfig } from '../config/config-types.js';
import { portierError } from '../errors/portier-error.js';
import type { Logger } from '../log/create-logger.js';
import type { Account, AccountStore, ApiKey } from './store/account-store.js';

/** Hashes per slab: a slab is freed once none of its keys is cached, so small slabs waste little when keys churn. */
const hashesPerSlab = 16;

/**
 * Copies of key hashes, packed into small buffers of their own: a buffer per hash (what the store
 * driver returns) costs about 230 bytes, a view into a shared one about 150. Never Node's shared
 * buffer pool, where one cached hash would keep 8 KiB of unrelated bytes alive. Space is never
 * reused: a view an in-flight request holds keeps meaning the hash it was given.
 */
class HashSlabs {
  private slab = Buffer.alloc(0);
  private used = 0;

  copy(hash: Buffer): Buffer {
    if (this.used + hash.length > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(Math.max(hash.length, 32) * hashesPerSlab);
      this.used = 0;
    }
    const copy = this.slab.subarray(this.used, this.used + hash.length);
    hash.copy(copy);
    this.used += hash.length;
    return copy;
  }
}

/** A key with the account it belongs to, as the policies see it. */
export interface KeyEntry {
  readonly key: ApiKey;
  readonly account: Account;
}

/** How often other processes' writes (the CLI) are looked for; the admin API invalidates at once. */
const changePollMs = 500;
/** How often last-used times are written back. */
const usageFlushMs = 10_000;
/** Retry-After of 503 `account_store_busy`. */
const busyRetryAfterSeconds = 1;

/** The `auth.keyCache` defaults, for callers without a config (the micro-benchmark). */
export const defaultKeyCache: KeyCacheConfig = { maxKeys: 100_000, maxUnknownKeys: 10_000, unknownKeyTtlMs: 30_000, maxConcurrentLookups: 32, maxConcurrentLookupsPerClient: 4, maxPendingUses: 10_000 };

/** Sizes and evictions of the directory's maps, for metrics and the admin status. */
export interface KeyDirectoryStats {
  readonly cachedKeys: number;
  readonly unknownKeys: number;
  readonly pendingUses: number;
  readonly lookupsRunning: number;
  readonly evictedKeys: number;
  readonly evictedUnknownKeys: number;
  readonly refusedLookups: number;
  readonly droppedUses: number;
  /** Store answers not cached because an invalidation happened while they were on their way. */
  readonly staleFills: number;
  /** Times the cache was emptied (a write through this gateway, or one seen from another process). */
  readonly invalidations: number;
}

/**
 * The hot path's view of keys: an in-memory cache in front of the store, so a request does not touch
 * the store once its key has been seen. Emptied on every change made through it, and within half a
 * second of a change made by another process or gateway (the store's accounts version: a counter that
 * moves with writes to accounts and keys, and not with the rate-limit snapshots, idempotency records or
 * queued operations sharing the file). Last-used times are collected in memory and written in batches.
 *
 * Bounded against callers: at most `maxKeys` keys (least recently used evicted first), `maxUnknownKeys`
 * ids the store did not know (oldest first, each for `unknownKeyTtlMs`), `maxPendingUses` last-used
 * times (written early when full). Lookups of one id share one store query, and at most
 * `maxConcurrentLookups` store lookups run at once, and once half of them are taken a client address
 * holding `maxConcurrentLookupsPerClient` starts no more; past either a lookup is 503
 * `account_store_busy`, so random well-formed keys cannot load the store, nor one caller sending them
 * take every lookup from the others.
 *
 * No revocation is lost: every invalidation bumps a generation, and a store answer that was asked for
 * under an older generation is never cached; the request it was for looks the key up again, once.
 */
export class KeyDirectory {
  private readonly cache = new Map<string, KeyEntry>();
  /** Ids the store does not know, with when that stops being believed; oldest first. */
  private readonly unknown = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<KeyEntry | undefined>>();
  private readonly uses = new Map<string, number>();
  /** Store lookups each client address holds now; an address leaves the map with its last one. */
  private readonly lookupsByClient = new Map<string, number>();
  /** The accounts of cached keys, one object per account, shared by its keys (and its store read spared). */
  private readonly accounts = new Map<string, Account>();
  /** The scope and binding lists of cached keys, one array per distinct list (by its JSON): keys tend to share them. */
  private readonly lists = new Map<string, readonly string[]>();
  private readonly hashes = new HashSlabs();
  private generation = 0;
  private lookupsRunning = 0;
  private flushing = false;
  private evictedKeys = 0;
  private evictedUnknownKeys = 0;
  private refusedLookups = 0;
  private droppedUses = 0;
  private staleFills = 0;
  private marker: number | undefined;
  private checking = false;
  /** Whether the last change check failed: logged once when the store goes away and once when it is back. */
  private storeDown = false;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Settles once the store's change marker has been read once (the baseline later changes are seen against). */
  readonly started: Promise<void>;

  constructor(
    readonly store: AccountStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly limits: KeyCacheConfig = defaultKeyCache,
  ) {
    this.started = this.checkForeignChanges();
    this.timers.push(setInterval(() => void this.checkForeignChanges(), changePollMs).unref());
    this.timers.push(setInterval(() => void this.flushUsage(), usageFlushMs).unref());
  }

  /**
   * The key and its account; synchronous when cached (or known to be unknown). `client` (the caller's
   * address) is charged for a store lookup it starts, so that no caller takes more than its share.
   */
  lookup(id: string, client?: string): KeyEntry | undefined | Promise<KeyEntry | undefined> {
    const cached = this.cache.get(id);
    if (cached !== undefined) {
      // Least recently used goes first: a hit moves the key to the end, still under the entry's own id.
      this.cache.delete(id);
      this.cache.set(cached.key.id, cached);
      return cached;
    }
    const unknownUntil = this.unknown.get(id);
    if (unknownUntil !== undefined) {
      if (unknownUntil > this.clock.now()) return undefined;
      this.unknown.delete(id);
    }
    return this.inFlight.get(id) ?? this.startLookup(id, true, client);
  }

  /** Forgets everything cached, and every store answer still on its way: called after any write. */
  invalidate(): void {
    this.generation++;
    this.cache.clear();
    this.unknown.clear();
    this.inFlight.clear();
    this.accounts.clear();
    this.lists.clear();
  }

  noteUse(id: string): void {
    if (this.uses.size >= this.limits.maxPendingUses && !this.uses.has(id)) {
      if (this.flushing) {
        // The store is slow to take the last batch: a last-used time is worth less than bounded memory.
        this.droppedUses++;
        return;
      }
      void this.flushUsage();
    }
    this.uses.set(id, this.clock.now());
  }

  stats(): KeyDirectoryStats {
    return {
      cachedKeys: this.cache.size,
      unknownKeys: this.unknown.size,
      pendingUses: this.uses.size,
      lookupsRunning: this.lookupsRunning,
      evictedKeys: this.evictedKeys,
      evictedUnknownKeys: this.evictedUnknownKeys,
      refusedLookups: this.refusedLookups,
      droppedUses: this.droppedUses,
      staleFills: this.staleFills,
      invalidations: this.generation,
    };
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.flushUsage();
  }

  private startLookup(id: string, retryIfStale: boolean, client: string | undefined): Promise<KeyEntry | undefined> {
    const held = client === undefined ? 0 : (this.lookupsByClient.get(client) ?? 0);
    const { maxConcurrentLookups, maxConcurrentLookupsPerClient } = this.limits;
    // A client takes more than its share only while half the lookups are free: one address behind a
    // load balancer keeps its pace while the store is not pressed.
    const pressed = this.lookupsRunning * 2 >= maxConcurrentLookups;
    if (this.lookupsRunning >= maxConcurrentLookups || (pressed && held >= maxConcurrentLookupsPerClient)) {
      this.refusedLookups++;
      return Promise.reject(portierError('account_store_busy', {}, { headers: { 'Retry-After': String(busyRetryAfterSeconds) } }));
    }
    const generation = this.generation;
    this.lookupsRunning++;
    if (client !== undefined) this.lookupsByClient.set(client, held + 1);
    const loading = this.load(id).finally(() => {
      this.lookupsRunning--;
      if (client !== undefined) this.release(client);
    });
    // What waiters share is the checked answer, so one that joined before an invalidation asks again too.
    const checked: Promise<KeyEntry | undefined> = loading.then(
      (entry) => {
        if (this.inFlight.get(id) === checked) this.inFlight.delete(id);
        return this.conclude(id, entry, generation, retryIfStale);
      },
      (error: unknown) => {
        if (this.inFlight.get(id) === checked) this.inFlight.delete(id);
        throw error;
      },
    );
    this.inFlight.set(id, checked);
    return checked;
  }

  private conclude(id: string, entry: KeyEntry | undefined, generation: number, retryIfStale: boolean): KeyEntry | undefined | Promise<KeyEntry | undefined> {
    if (generation === this.generation) {
      if (entry !== undefined) return this.remember(entry);
      this.rememberUnknown(id);
      return undefined;
    }
    // Read before an invalidation (a revocation, say): never cached, and asked again once.
    this.staleFills++;
    if (!retryIfStale) return entry;
    return this.inFlight.get(id) ?? this.startLookup(id, false, undefined);
  }

  private release(client: string): void {
    const held = (this.lookupsByClient.get(client) ?? 1) - 1;
    if (held === 0) this.lookupsByClient.delete(client);
    else this.lookupsByClient.set(client, held);
  }

  private async load(id: string): Promise<KeyEntry | undefined> {
    const key = await this.store.getKey(id);
    if (key === undefined) return undefined;
    // An account already cached is as current as the store's (any write empties both): not read again.
    const account = this.accounts.get(key.accountId) ?? (await this.store.getAccount(key.accountId));
    if (account === undefined) return undefined;
    return { key, account };
  }

  /** Caches the entry, in its compact form, which is what every request for it gets from now on. */
  private remember(entry: KeyEntry): KeyEntry {
    // Keyed by the entry's own id string (the same value as the caller's), so the map holds no string of the request's.
    const keyId = entry.key.id;
    if (!this.cache.has(keyId) && this.cache.size >= this.limits.maxKeys) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
      this.evictedKeys++;
    }
    const compact = this.compact(entry);
    this.cache.set(keyId, compact);
    return compact;
  }

  /**
   * The entry as the cache keeps it, in less memory (issue 22's bound: 500 bytes a cached key): the
   * account and the scope and binding lists shared with the keys cached before it, and the hash copied
   * out of the store driver's buffer (a buffer of its own costs about 230 bytes, a copy about 150).
   * The maps that share them are emptied with the cache, and never hold more entries than it may.
   */
  private compact(entry: KeyEntry): KeyEntry {
    const { key } = entry;
    const account = this.shared(this.accounts, key.accountId, entry.account);
    // Both lists are read-only: a scope list and a binding list with the same values may be one array.
    const scopes = this.shared(this.lists, JSON.stringify(key.scopes), key.scopes);
    const bindings = this.shared(this.lists, JSON.stringify(key.bindings), key.bindings);
    // The account's id and a status literal in place of the row's own copies of those strings.
    return { key: { ...key, accountId: account.id, status: key.status === 'active' ? 'active' : 'revoked', scopes, bindings, hash: this.hashes.copy(key.hash) }, account };
  }

  private shared<T>(map: Map<string, T>, name: string, value: T): T {
    const known = map.get(name);
    if (known !== undefined) return known;
    if (map.size >= this.limits.maxKeys) map.clear();
    map.set(name, value);
    return value;
  }

  private rememberUnknown(id: string): void {
    if (this.limits.maxUnknownKeys === 0) return;
    this.unknown.delete(id);
    if (this.unknown.size >= this.limits.maxUnknownKeys) {
      const oldest = this.unknown.keys().next();
      if (oldest.done !== true) this.unknown.delete(oldest.value);
      this.evictedUnknownKeys++;
    }
    this.unknown.set(id, this.clock.now() + this.limits.unknownKeyTtlMs);
  }

  private async checkForeignChanges(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const marker = await this.store.changeMarker();
      if (this.storeDown) {
        this.storeDown = false;
        this.logger.info('the account store answers again');
      }
      if (marker !== this.marker) {
        // The first reading only sets the baseline; the cache is empty then anyway.
        if (this.marker !== undefined) this.invalidate();
        this.marker = marker;
      }
    } catch (error) {
      // A shared store that is down: keys already cached keep working; lookups of others answer 503.
      if (!this.storeDown) this.logger.error({ err: error instanceof Error && error.cause !== undefined ? error.cause : error }, 'the account store does not answer: keys not in the cache get 503 account_store_unavailable');
      this.storeDown = true;
    } finally {
      this.checking = false;
    }
  }

  private async flushUsage(): Promise<void> {
    if (this.uses.size === 0) return;
    const batch = new Map(this.uses);
    this.uses.clear();
    this.flushing = true;
    try {
      await this.store.recordKeyUse(batch);
    } catch (error) {
      this.logger.warn({ err: error, keys: batch.size }, 'could not record key use');
    } finally {
      this.flushing = false;
    }
  }
}
