/**
 * What the worker hands the app's handler of an async app route (`app: true` + `async`): the request
 * as it was stored when it was answered 202. One attempt; an operation may be attempted more than
 * once (a retry, or a worker that died mid-attempt), but it completes once.
 */
export interface OperationJob {
  /** The operation's id: the same on every attempt, the key to dedupe the handler's side effects by. */
  readonly operationId: string;
  /** 1 on the first attempt. */
  readonly attempt: number;
  readonly routeId: string;
  readonly accountId: string;
  /** The key (or the key behind the access token) the caller used. */
  readonly keyId: string | undefined;
  readonly method: string;
  /** The path as the caller sent it, without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The route's path parameters. */
  readonly params: Readonly<Record<string, string>>;
  /**
   * The request headers the route forwards (names in lower case, repeated ones joined with ", "):
   * credentials are not among them unless the route's `forwardCredentials` keeps them.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as stored (as validated): parsed JSON for a JSON body, else its bytes; undefined when there was none. */
  readonly body: unknown;
  readonly correlationId: string;
  /** When the caller was answered 202, and when the route's `async.deadline` runs out (ms since the epoch). */
  readonly requestedAt: number;
  readonly deadlineAt: number;
  /** Aborted when the attempt's lease runs out (`operations.leaseMs`) or the worker stops: its answer is no longer awaited. */
  readonly signal: AbortSignal;
}

/**
 * The handler's answer, stored as the operation's result exactly as an upstream's answer is:
 * below 400 the operation is `Success`; 408, 425, 429 and 5xx are retried with backoff (a
 * `Retry-After` header is honoured) until the deadline; any other 4xx is a final `Failed` with this
 * answer as its result. A status outside 200-599, or a header name or value HTTP cannot carry, is
 * a failed attempt (logged, retried), never a result that could not be replayed.
 */
export interface OperationAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string | number | readonly string[]>>;
  /** A Buffer or string as is; anything else as JSON (`content-type: application/json` unless set). */
  readonly body?: unknown;
}

/**
 * The work of an async app route. Throwing a catalog error (`portierError(...)`) fails the operation
 * for good, rendered like the gateway's errors; throwing anything else is a failed attempt, retried
 * like an upstream failure.
 */
export type OperationHandler = (job: OperationJob) => OperationAnswer | Promise<OperationAnswer>;

/** Handlers by route id. */
export type OperationHandlers = Readonly<Record<string, OperationHandler>>;
