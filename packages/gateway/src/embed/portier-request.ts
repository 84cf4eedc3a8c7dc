import type { Account } from '../accounts/store/account-store.js';
import type { ErrorItem } from '../errors/portier-error.js';
import type { RequestContext } from '../pipeline/request-context.js';

/**
 * What Portier tells the app's handler about a request it let through (`req.portier`), once every
 * stage of the route has passed.
 */
export interface PortierRequest {
  /** The config route that matched. */
  readonly routeId: string;
  /** The request's correlation ID: already on the response, and in every error body. */
  readonly correlationId: string;
  /** The caller's account; undefined on a route without `auth`, or when an optional key was not sent. */
  readonly account: Account | undefined;
  /** The id of the key (or of the key behind the access token) the caller used. */
  readonly keyId: string | undefined;
  /** The key's scopes (empty without a key). */
  readonly scopes: readonly string[];
  /** The account's plan name. */
  readonly plan: string | undefined;
  /** The route's path parameters, as Portier matched them. */
  readonly params: Readonly<Record<string, string | undefined>>;
  /**
   * The request body when a stage read it (validation, Idempotency-Key, a `featureWhen` condition):
   * parsed JSON, as validated (fields `validation` drops are gone), or the raw bytes when it is not
   * JSON. Undefined when no stage read it: the request stream is then the app's to read.
   */
  readonly body: unknown;
  /** Non-fatal findings (validation `warn` rules) for the app to merge into its answer. */
  readonly warnings: readonly ErrorItem[];
}

/** The handler's view of a request that passed every stage. */
export function describeRequest(ctx: RequestContext, body: unknown): PortierRequest {
  const auth = ctx.auth;
  return {
    routeId: ctx.route?.id ?? '',
    correlationId: ctx.correlationId,
    account: auth?.account,
    keyId: auth?.key.id,
    scopes: auth?.key.scopes ?? [],
    plan: auth?.account.plan,
    params: ctx.params,
    body,
    warnings: ctx.warnings,
  };
}
