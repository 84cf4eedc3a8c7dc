import type { Operation, OperationStatus } from './operation.js';

/**
 * An `operations` row as both queues keep it. `Parsed` says how the JSON columns arrive: as text from
 * SQLite, as values from PostgreSQL's JSONB.
 */
export interface OperationRow<Parsed extends boolean = true> {
  id: string;
  account_id: string;
  route_id: string;
  method: string;
  url: string;
  params: Parsed extends true ? Record<string, string> : string;
  headers: Parsed extends true ? string[] : string;
  body: Buffer | null;
  correlation_id: string;
  status: OperationStatus;
  attempts: number;
  requested_at: number;
  deadline_at: number;
  next_attempt_at: number;
  lease_until: number;
  completed_at: number | null;
  result_status: number | null;
  result_headers: (Parsed extends true ? string[] : string) | null;
  result_body: Buffer | null;
  error: (Parsed extends true ? NonNullable<Operation['error']> : string) | null;
  webhook_state: Operation['webhookState'] | null;
  webhook_attempts: number;
}

/** A row with JSON text columns, parsed (SQLite). */
export function parseRow(row: OperationRow<false>): OperationRow {
  return {
    ...row,
    params: JSON.parse(row.params) as Record<string, string>,
    headers: JSON.parse(row.headers) as string[],
    result_headers: row.result_headers === null ? null : (JSON.parse(row.result_headers) as string[]),
    error: row.error === null ? null : (JSON.parse(row.error) as NonNullable<Operation['error']>),
  };
}

export function toOperation(row: OperationRow): Operation {
  return {
    id: row.id,
    accountId: row.account_id,
    routeId: row.route_id,
    method: row.method,
    url: row.url,
    params: row.params,
    headers: row.headers,
    body: row.body ?? undefined,
    correlationId: row.correlation_id,
    status: row.status,
    attempts: row.attempts,
    requestedAt: row.requested_at,
    deadlineAt: row.deadline_at,
    nextAttemptAt: row.next_attempt_at,
    leaseUntil: row.lease_until,
    completedAt: row.completed_at ?? undefined,
    result: row.result_status === null ? undefined : { status: row.result_status, headers: row.result_headers ?? [], body: row.result_body ?? undefined },
    error: row.error ?? undefined,
    webhookState: row.webhook_state ?? undefined,
    webhookAttempts: row.webhook_attempts,
  };
}
