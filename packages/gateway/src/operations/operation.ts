import type { ErrorCode } from '../errors/catalog.js';

export const operationStatuses = ['Pending', 'Success', 'Failed', 'TimedOut'] as const;
export type OperationStatus = (typeof operationStatuses)[number];

/** Why an operation failed: enough to render the catalog error again, in any envelope. */
export interface OperationError {
  readonly code: ErrorCode;
  readonly status: number;
  readonly params: Readonly<Record<string, string | number>>;
  readonly service?: string;
}

/** The upstream's final answer to an operation. `body` is undefined when it was over the size cap. */
export interface OperationResult {
  readonly status: number;
  /** Flat name/value pairs, names in lower case. */
  readonly headers: readonly string[];
  readonly body: Buffer | undefined;
}

/** One queued request and what became of it. */
export interface Operation {
  readonly id: string;
  readonly accountId: string;
  readonly routeId: string;
  readonly method: string;
  /** Path and query as the caller sent them. */
  readonly url: string;
  readonly params: Readonly<Record<string, string>>;
  /** Request headers for the upstream, as flat pairs (credentials already removed). */
  readonly headers: readonly string[];
  readonly body: Buffer | undefined;
  readonly correlationId: string;
  readonly status: OperationStatus;
  readonly attempts: number;
  readonly requestedAt: number;
  readonly deadlineAt: number;
  readonly nextAttemptAt: number;
  /** Lease of the worker forwarding it; also the token that worker completes it with. */
  readonly leaseUntil: number;
  readonly completedAt: number | undefined;
  readonly result: OperationResult | undefined;
  readonly error: OperationError | undefined;
  readonly webhookState: 'pending' | 'delivered' | 'failed' | undefined;
  readonly webhookAttempts: number;
}

export type NewOperation = Pick<
  Operation,
  'id' | 'accountId' | 'routeId' | 'method' | 'url' | 'params' | 'headers' | 'body' | 'correlationId' | 'requestedAt' | 'deadlineAt'
>;

/** How an attempt ended, as the worker reports it. */
export type Outcome =
  | { readonly kind: 'done'; readonly status: 'Success' | 'Failed' | 'TimedOut'; readonly result?: OperationResult; readonly error?: OperationError; readonly webhook: boolean }
  | { readonly kind: 'retry'; readonly at: number };

export interface QueueStats {
  readonly byStatus: Readonly<Record<OperationStatus, number>>;
  /** Pending operations a worker holds right now. */
  readonly running: number;
  /** Age in seconds of the oldest pending operation (0 when none). */
  readonly oldestPendingSeconds: number;
  readonly webhooksPending: number;
}
