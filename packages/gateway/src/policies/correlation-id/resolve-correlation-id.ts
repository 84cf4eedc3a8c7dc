import { randomUUID } from 'node:crypto';

const safeId = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const traceparentFormat = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const allZeros = /^0+$/;

/**
 * The request's correlation ID: a safe incoming ID (1-128 of `A-Z a-z 0-9 . _ : -`, starting with a
 * letter or digit), else the trace-id of a valid W3C traceparent, else a new UUID. Anything else is
 * replaced, never echoed: it could carry header injection or log forging.
 */
export function resolveCorrelationId(incoming: string | undefined, traceparent: string | undefined): string {
  if (incoming !== undefined && safeId.test(incoming)) return incoming;
  // No traceparent is one of the wrong shape (''): no separate guard, whose removal no test could tell.
  return traceIdOf(traceparent ?? '') ?? randomUUID();
}

function traceIdOf(traceparent: string): string | undefined {
  const match = traceparentFormat.exec(traceparent);
  if (match === null) return undefined;
  const [, version, traceId, parentId] = match as unknown as [string, string, string, string];
  if (version === 'ff' || allZeros.test(traceId) || allZeros.test(parentId)) return undefined;
  return traceId;
}
