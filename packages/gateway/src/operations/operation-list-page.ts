import { PortierError, portierError } from '../errors/portier-error.js';
import { phrase } from '../errors/param-phrases.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { isValidCursor } from './operation-queue.js';
import type { OperationListPage } from './operation-list-body.js';
import type { Operation } from './operation.js';
import type { Operations } from './operations.js';

const defaultPageSize = 20;
const maxPageSize = 100;

/**
 * Reads the page the caller asks for (`operations.list.paging`: `?limit=&cursor=` or `?page=&pageSize=`)
 * among the account's operations created under the path's parameters, newest first, keeping those
 * `isVisible` accepts (what the caller's key could have created). A bad value is 400 `bad_request`
 * naming it.
 */
export async function readOperationListPage(
  operations: Operations,
  ctx: RequestContext,
  accountId: string,
  isVisible: (operation: Operation) => boolean,
): Promise<OperationListPage | PortierError> {
  const query = new URLSearchParams((ctx.req.url ?? '').split('?')[1] ?? '');
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.params)) if (value !== undefined) params[name] = value;
  const shape = (page: Omit<OperationListPage, 'operations' | 'self'>, items: readonly Operation[]): OperationListPage => ({
    ...page,
    self: ctx.path,
    operations: items.filter(isVisible).map((operation) => operations.bodyOf(operation)),
  });

  if (operations.config.operations.list.paging === 'page') {
    const page = integerParam(query, 'page', 1, Number.MAX_SAFE_INTEGER, 1);
    const pageSize = integerParam(query, 'pageSize', 1, maxPageSize, defaultPageSize);
    if (page instanceof PortierError) return page;
    if (pageSize instanceof PortierError) return pageSize;
    const found = await operations.store.listPage(accountId, params, pageSize, page);
    const link = (number: number): string => `${ctx.path}?page=${number}&pageSize=${pageSize}`;
    const next = page * pageSize < found.total ? link(page + 1) : null;
    const previous = page > 1 ? link(page - 1) : null;
    return shape({ current: link(page), next, previous, page, pageSize, total: found.total }, found.items);
  }

  const limit = integerParam(query, 'limit', 1, maxPageSize, defaultPageSize);
  if (limit instanceof PortierError) return limit;
  const cursor = query.get('cursor') ?? undefined;
  if (cursor !== undefined && !isValidCursor(cursor)) return portierError('bad_request', { reason: phrase('cursorUnknown') });
  const found = await operations.store.list(accountId, params, limit, cursor);
  const link = (at: string | undefined): string => `${ctx.path}?limit=${limit}${at === undefined ? '' : `&cursor=${at}`}`;
  const next = found.cursor === undefined ? null : link(found.cursor);
  return shape({ current: link(cursor), next, previous: null, page: null, pageSize: limit, total: null }, found.items);
}

function integerParam(query: URLSearchParams, name: string, min: number, max: number, fallback: number): number | PortierError {
  const text = query.get(name);
  const value = text === null ? fallback : Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    return portierError('bad_request', {
      reason: max === Number.MAX_SAFE_INTEGER ? phrase('integerFrom', { name, min: String(min) }) : phrase('integerRange', { name, min: String(min), max: String(max) }),
    });
  }
  return value;
}
