import { portierError, PortierError } from '../errors/portier-error.js';
import { checkRoutePermission } from '../policies/access/check-route-permission.js';
import { storableHeaders } from '../policies/idempotency/response-scoped-headers.js';
import type { Decision, Terminal } from '../pipeline/policy.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { sendJson } from '../pipeline/send-json.js';
import type { Operation } from './operation.js';
import { defaultOperationListBody, renderOperationList } from './operation-list-body.js';
import { readOperationListPage } from './operation-list-page.js';
import type { Operations } from './operations.js';

/**
 * Finds the caller's operation named in the path. Another account's operation is "not found", exactly
 * like one that never existed: a 403 would confirm that the id is real.
 */
async function findOwned(operations: Operations, ctx: RequestContext): Promise<Operation | undefined> {
  const id = ctx.params['operationId'];
  const operation = id === undefined ? undefined : await operations.store.get(id);
  if (operation === undefined || operation.accountId !== ctx.auth?.account.id) return undefined;
  for (const [name, value] of Object.entries(ctx.params)) {
    if (name !== 'operationId' && operation.params[name] !== value) return undefined;
  }
  return operation;
}

/**
 * Whether the calling key could have made this request on the route that created the operation: its
 * scopes and its binding to the resource the operation was created for (403, as that route answers).
 * An operation whose route left the config can no longer be checked, so it is "not found".
 */
function creatorPermission(operations: Operations, ctx: RequestContext, operation: Operation): PortierError | undefined {
  const entry = ctx.auth;
  const route = operations.routeOf(operation.routeId);
  if (entry === undefined || route === undefined) return notFound(ctx);
  if (route.auth === undefined) return undefined;
  return checkRoutePermission(entry, operation.routeId, route.auth, operation.params, operations.config.plans);
}

/** The caller's operation that its key may read, or the error to answer. */
async function findReadable(operations: Operations, ctx: RequestContext): Promise<Operation | PortierError> {
  const operation = await findOwned(operations, ctx);
  if (operation === undefined) return notFound(ctx);
  return creatorPermission(operations, ctx, operation) ?? operation;
}

function notFound(ctx: RequestContext): PortierError {
  return portierError('operation_not_found', { operationId: ctx.params['operationId'] ?? '' });
}

/** `GET <operations.path>/:operationId`: the operation's state, and once done the upstream's answer. */
export function createShowOperationTerminal(operations: Operations): Terminal {
  const { config } = operations;
  return {
    name: 'operation',
    async handle(ctx: RequestContext): Promise<Decision> {
      const operation = await findReadable(operations, ctx);
      if (operation instanceof PortierError) return operation;
      if (operation.status === 'Pending') ctx.responseHeaders.push('retry-after', String(config.operations.pollAfterSeconds));
      sendJson(ctx, 200, JSON.stringify(operations.bodyOf(operation)), config.correlation.header);
      return undefined;
    },
  };
}

/**
 * `GET <operations.path>/:operationId/result`: the upstream's own answer (status, headers, body) once
 * the operation has one; 409 `resource_not_ready` while it is pending; the operation's error when it
 * ended without an answer (timed out).
 */
export function createOperationResultTerminal(operations: Operations): Terminal {
  const { config } = operations;
  const correlationHeader = config.correlation.header;
  const correlationLower = correlationHeader.toLowerCase();
  return {
    name: 'operation-result',
    async handle(ctx: RequestContext): Promise<Decision> {
      const operation = await findReadable(operations, ctx);
      if (operation instanceof PortierError) return operation;
      if (operation.status === 'Pending') {
        const retryAfter = String(config.operations.pollAfterSeconds);
        return (portierError('resource_not_ready', { operationId: operation.id, status: operation.status }, { headers: { 'Retry-After': retryAfter } }));
      }
      const result = operation.result;
      if (result === undefined) return (operations.errorOf(operation));
      const body = result.body ?? Buffer.alloc(0);
      // The upstream's cookies, CORS and rate-limit headers were for the worker: only the answer's own are replayed.
      const headers = [...storableHeaders(result.headers, correlationLower), 'content-length', String(body.length), correlationHeader, ctx.correlationId];
      headers.push('x-portier-operation-status', operation.status);
      if (result.body === undefined) headers.push('x-portier-result-body', 'omitted');
      for (const item of ctx.responseHeaders) headers.push(item);
      ctx.res.writeHead(result.status, headers);
      ctx.res.end(ctx.req.method === 'HEAD' ? undefined : body);
      return undefined;
    },
  };
}

/**
 * `GET <operations.path>`: the caller's operations, newest first, a page at a time (`operations.list`:
 * cursor or numbered pages), with a `Link` to the next page.
 */
export function createListOperationsTerminal(operations: Operations): Terminal {
  const { config } = operations;
  const template = config.operations.list.body ?? defaultOperationListBody;
  return {
    name: 'operations-list',
    async handle(ctx: RequestContext): Promise<Decision> {
      const account = ctx.auth?.account;
      if (account === undefined) throw new Error('operations list without an account');
      // Only what the key could have created: a key bound to one resource lists that resource's operations.
      const page = await readOperationListPage(operations, ctx, account.id, (operation) => creatorPermission(operations, ctx, operation) === undefined);
      if (page instanceof PortierError) return page;
      if (page.next !== null) ctx.responseHeaders.push('link', `<${page.next}>; rel="next"`);
      sendJson(ctx, 200, JSON.stringify(renderOperationList(template, page)), config.correlation.header);
      return undefined;
    },
  };
}
