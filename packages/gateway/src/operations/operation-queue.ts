import type { NewOperation, Operation, Outcome, QueueStats } from './operation.js';

/** A page of operations, newest first; `cursor` continues after the last one. */
export interface OperationPage {
  readonly items: Operation[];
  readonly cursor: string | undefined;
}

/** A numbered page of operations, newest first, with how many there are in all. */
export interface NumberedOperationPage {
  readonly items: Operation[];
  readonly total: number;
}

/**
 * The durable queue of asynchronous operations. An operation is written before its 202 is sent;
 * workers claim due operations with a lease and complete them with that lease as a token, so an
 * operation whose worker died is claimed again once its lease runs out, and a late answer from a lost
 * lease changes nothing. Two backends keep this contract: SQLite (one host) and PostgreSQL (several).
 */
export interface OperationQueue {
  /** Queues an operation unless `maxPending` are already waiting; false when the queue is full. */
  enqueue(operation: NewOperation, maxPending: number): Promise<boolean>;
  get(id: string): Promise<Operation | undefined>;
  /** Takes up to `limit` due operations for `leaseMs`; each attempt counts when claimed. */
  claim(now: number, leaseMs: number, limit: number): Promise<Operation[]>;
  /** Records how an attempt ended; false when the lease was lost (another worker owns it now). */
  settle(operation: Operation, outcome: Outcome, now: number): Promise<boolean>;
  claimWebhooks(now: number, leaseMs: number, limit: number): Promise<Operation[]>;
  webhookSettled(id: string, state: 'pending' | 'delivered' | 'failed', next: number | null): Promise<void>;
  /** The account's operations, newest first, only those created with `params` (`companyId`), from `cursor`. */
  list(accountId: string, params: Readonly<Record<string, string>>, limit: number, cursor: string | undefined): Promise<OperationPage>;
  /** The same operations as `list`, page `page` (1-based) of `pageSize`, and how many match in all. */
  listPage(accountId: string, params: Readonly<Record<string, string>>, pageSize: number, page: number): Promise<NumberedOperationPage>;
  stats(now: number): Promise<QueueStats>;
  /** Deletes finished operations completed before `before` (their webhook, if any, no longer pending). */
  sweep(before: number): Promise<number>;
  close(): void;
}

/** A cursor is opaque to callers: base64url of the last item's time and id. */
export function encodeCursor(at: number, id: string): string {
  return Buffer.from(`${at}:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { at: number; id: string } | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const colon = text.indexOf(':');
  const at = Number(text.slice(0, colon));
  if (colon < 1 || !Number.isSafeInteger(at)) return undefined;
  return { at, id: text.slice(colon + 1) };
}

export function isValidCursor(cursor: string): boolean {
  return decodeCursor(cursor) !== undefined;
}
