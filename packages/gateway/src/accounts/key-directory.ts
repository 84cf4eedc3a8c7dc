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
 * SQLite once its key has been seen. Emptied on every change made through it, and within half a
 * second of a change made by another process (SQLite's data_version). Last-used times are collected in
 * memory and written in batches.
 */
export class KeyDirectory {
  private readonly cache = new Map<string, KeyEntry>();
  private readonly uses = new Map<string, number>();
  private marker: number;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    readonly store: AccountStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.marker = store.changeMarker();
    this.timers.push(setInterval(() => this.checkForeignChanges(), changePollMs).unref());
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

  private checkForeignChanges(): void {
    const marker = this.store.changeMarker();
    if (marker !== this.marker) {
      this.marker = marker;
      this.invalidate();
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
