import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { portierError } from '../errors/portier-error.js';
import type { Decision, Terminal } from '../pipeline/policy.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { sendJson } from '../pipeline/send-json.js';
import { buildUpstreamHeaders, type ForwardOptions } from '../policies/proxy/forward-headers.js';
import { readRequestBody } from '../policies/request-body/read-request-body.js';
import type { Operations } from './operations.js';
import { SpanKind, type Span } from '@opentelemetry/api';
import { endWith, markFailed, portierAttributes } from '../tracing/tracing.js';

export interface AcceptOptions {
  readonly forward: ForwardOptions;
  readonly maxBodyBytes: number;
  readonly clock: Clock;
  /** Wakes the local worker so a new operation does not wait for the next poll. */
  readonly wake: () => void;
}

function refusedIfFull(span: Span, accepted: boolean): void {
  if (!accepted) markFailed(span, undefined, 'operation_queue_full');
}

/** Headers the worker sets itself on every attempt. */
const replacedHeaders = new Set(['idempotency-key', 'content-length']);

/**
 * The terminal of an async route: reads the request, writes it to the durable queue, and only then
 * answers 202 with the operation (`Location` to poll, `Retry-After` as the polling hint). The worker
 * forwards it later with the operation id as its Idempotency-Key.
 */
export function createAcceptTerminal(operations: Operations, options: AcceptOptions): Terminal {
  const { config } = operations;
  const pollAfter = String(config.operations.pollAfterSeconds);
  return {
    name: 'async',
    handle: async function acceptOperation(ctx: RequestContext): Promise<Decision> {
      const tooLarge = await readRequestBody(ctx, options.maxBodyBytes);
      if (tooLarge !== undefined) return tooLarge;
      const route = ctx.route;
      const account = ctx.auth?.account;
      if (route === undefined || account === undefined) throw new Error('async route without route or account: config check should prevent it');
      const forwarded = buildUpstreamHeaders(ctx.req, ctx.correlationId, ctx.forwardHeaders, options.forward, ctx.body?.length ?? 0);
      const headers: string[] = [];
      for (let i = 0; i < forwarded.length; i += 2) {
        const name = (forwarded[i] as string).toLowerCase();
        if (!replacedHeaders.has(name)) headers.push(name, forwarded[i + 1] as string);
      }
      // Traced, the operation keeps the context of its enqueue span, to which each attempt's span links.
      const trace = ctx.trace;
      const span = trace === undefined ? undefined : trace.start('operation enqueue', SpanKind.PRODUCER, { [portierAttributes.routeId]: route.id, [portierAttributes.accountId]: account.id });
      if (span !== undefined) trace?.inject(span, headers);
      const now = options.clock.now();
      const params: Record<string, string> = {};
      for (const [name, value] of Object.entries(ctx.params)) if (value !== undefined) params[name] = value;
      const operation = {
        id: randomUUID(),
        accountId: account.id,
        routeId: route.id,
        method: ctx.req.method ?? 'POST',
        url: ctx.req.url ?? '/',
        params,
        headers,
        body: ctx.body,
        correlationId: ctx.correlationId,
        requestedAt: now,
        deadlineAt: now + (operations.routeOf(route.id)?.deadlineMs ?? 0),
      };
      if (span !== undefined) span.setAttribute(portierAttributes.operationId, operation.id);
      const queued = operations.store.enqueue(operation, config.operations.maxPending);
      if (!(await (span === undefined ? queued : endWith(span, queued, refusedIfFull)))) {
        return portierError('operation_queue_full', { limit: config.operations.maxPending }, { headers: { 'Retry-After': String(config.operations.pollAfterSeconds * 5) } });
      }
      const stored = await operations.store.get(operation.id);
      if (stored === undefined) throw new Error('operation vanished after enqueue');
      options.wake();
      ctx.responseHeaders.push('location', operations.locationOf(stored), 'retry-after', pollAfter);
      sendJson(ctx, 202, JSON.stringify(operations.bodyOf(stored)), config.correlation.header);
      return undefined;
    },
  };
}
