import type { Operation } from './operation.js';
import type { Operations } from './operations.js';

/** An operation as operators see it (admin API and CLI): the queue's view, with no request body or headers. */
export function describeOperation(operations: Operations, operation: Operation): Record<string, unknown> {
  return {
    id: operation.id,
    account: operation.accountId,
    route: operation.routeId,
    method: operation.method,
    url: operation.url,
    status: operation.status,
    attempts: operation.attempts,
    correlationId: operation.correlationId,
    requestedAt: new Date(operation.requestedAt).toISOString(),
    deadlineAt: new Date(operation.deadlineAt).toISOString(),
    nextAttemptAt: operation.status === 'Pending' ? new Date(operation.nextAttemptAt).toISOString() : null,
    completedAt: operation.completedAt === undefined ? null : new Date(operation.completedAt).toISOString(),
    resultStatus: operation.result?.status ?? null,
    error: operation.error?.code ?? null,
    webhook: operation.webhookState ?? null,
    location: operations.locationOf(operation),
  };
}
