import type { Clock } from '../clock.js';
import type { Logger } from '../log/create-logger.js';
import type { Account, AccountStore, ApiKey } from './store/account-store.js';

/** A key with the account it belongs to, as the policies see it. */
export interface KeyEntry {
  readonly key: ApiKey;
  readonly account: Account;
}

/** How often other processes' writes (the CLI) are looked for; the admin API invalidates at once. */
const changePollMs = 500;
/** How often last-used times are written back. */
const usageFlushMs = 10_000;

/**
 * The hot path's view of keys: an in-memory cache in front of the store, so a request does not touch
 * the store once its key has been seen. Emptied on every change made through it, and within half a
 * second of a change made by another process or gateway (SQLite's data_version, PostgreSQL's store
 * version). Last-used times are collected in
 * memory and written in batches.
 */
export class KeyDirectory {
  private readonly cache = new Map<string, KeyEntry>();
  private readonly uses = new Map<string, number>();
  private marker: number | undefined;
  private checking = false;
  /** Whether the last change check failed: logged once when the store goes away and once when it is back. */
  private storeDown = false;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    readonly store: AccountStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    void this.checkForeignChanges();
    this.timers.push(setInterval(() => void this.checkForeignChanges(), changePollMs).unref());
    this.timers.push(setInterval(() => void this.flushUsage(), usageFlushMs).unref());
  }

  /** The key and its account; synchronous when cached. */
  lookup(id: string): KeyEntry | undefined | Promise<KeyEntry | undefined> {
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached;
    return this.load(id);
  }

  /** Forgets everything cached: called after any write. */
  invalidate(): void {
    this.cache.clear();
  }

  noteUse(id: string): void {
    this.uses.set(id, this.clock.now());
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.flushUsage();
  }

  private async load(id: string): Promise<KeyEntry | undefined> {
    const key = await this.store.getKey(id);
    if (key === undefined) return undefined;
    const account = await this.store.getAccount(key.accountId);
    if (account === undefined) return undefined;
    const entry = { key, account };
    this.cache.set(id, entry);
    return entry;
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
    try {
      await this.store.recordKeyUse(batch);
    } catch (error) {
      this.logger.warn({ err: error, keys: batch.size }, 'could not record key use');
    }
  }
}
