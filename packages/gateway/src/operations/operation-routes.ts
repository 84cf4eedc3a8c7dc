import { PortierError, portierError } from '../errors/portier-error.js';
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

function notFound(ctx: RequestContext): Decision {
  return portierError('operation_not_found', { operationId: ctx.params['operationId'] ?? '' });
}

/** `GET <operations.path>/:operationId`: the operation's state, and once done the upstream's answer. */
export function createShowOperationTerminal(operations: Operations): Terminal {
  const { config } = operations;
  return {
    name: 'operation',
    async handle(ctx: RequestContext): Promise<Decision> {
      const operation = await findOwned(operations, ctx);
      if (operation === undefined) return notFound(ctx);
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
  return {
    name: 'operation-result',
    async handle(ctx: RequestContext): Promise<Decision> {
      const operation = await findOwned(operations, ctx);
      if (operation === undefined) return notFound(ctx);
      if (operation.status === 'Pending') {
        const retryAfter = String(config.operations.pollAfterSeconds);
        return (portierError('resource_not_ready', { operationId: operation.id, status: operation.status }, { headers: { 'Retry-After': retryAfter } }));
      }
      const result = operation.result;
      if (result === undefined) return (operations.errorOf(operation));
      const body = result.body ?? Buffer.alloc(0);
      const headers = [...result.headers, 'content-length', String(body.length), correlationHeader, ctx.correlationId];
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
      const page = await readOperationListPage(operations, ctx, account.id);
      if (page instanceof PortierError) return page;
      if (page.next !== null) ctx.responseHeaders.push('link', `<${page.next}>; rel="next"`);
      sendJson(ctx, 200, JSON.stringify(renderOperationList(template, page)), config.correlation.header);
      return undefined;
    },
  };
}
