/** A response kept for replay. `body` is undefined when it was larger than the storage cap. */
export interface StoredResponse {
  readonly status: number;
  /** Flat name/value pairs, names in lower case. */
  readonly headers: readonly string[];
  readonly body: Buffer | undefined;
  /** Correlation ID of the request that produced it. */
  readonly correlationId: string;
}

export interface BeginRequest {
  /** Hash of account, route and key: the record's identity. */
  readonly scope: string;
  /** Hash of method, URL and body: what "the same request" means. */
  readonly fingerprint: string;
  /** Random token of this attempt: only its owner may complete or release the record. */
  readonly owner: string;
  readonly now: number;
  readonly lockUntil: number;
  readonly expiresAt: number;
}

export type BeginResult =
  | { readonly kind: 'started' }
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'in_flight' };

/**
 * Where idempotency records live (SQLite or Redis). `begin` decides atomically, across every process
 * sharing the store, whether this request runs, replays or is refused.
 */
export interface IdempotencyStore {
  begin(request: BeginRequest): Promise<BeginResult>;
  complete(scope: string, owner: string, response: StoredResponse): Promise<void>;
  /** Forgets an attempt that produced nothing worth replaying (a 5xx, a cut connection). */
  release(scope: string, owner: string): Promise<void>;
  close(): void;
}
