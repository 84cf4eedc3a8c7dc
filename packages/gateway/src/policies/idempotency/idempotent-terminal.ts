import { createHash, randomUUID } from 'node:crypto';
import type { RouteIdempotencyConfig } from '../../config/config-types.js';
import type { Clock } from '../../clock.js';
import type { Logger } from '../../log/create-logger.js';
import { portierError } from '../../errors/portier-error.js';
import type { Decision, Terminal } from '../../pipeline/policy.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import { readRequestBody } from '../request-body/read-request-body.js';
import type { IdempotencyStore, StoredResponse } from './idempotency-store.js';
import { parseIdempotencyKey } from './parse-idempotency-key.js';
import { recordResponse } from './record-response.js';
import { isResponseScopedHeader, storableHeaders } from './response-scoped-headers.js';
import { portierAttributes, tracedStoreCall } from '../../tracing/tracing.js';

export interface IdempotencySettings {
  readonly store: IdempotencyStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly ttlMs: number;
  readonly lockTimeoutMs: number;
  readonly maxStoredBodyBytes: number;
  readonly maxBodyBytes: number;
  /** Lower-case correlation header: a replay carries the new request's ID, not the stored one. */
  readonly correlationHeader: string;
  /** Where records are kept, as trace spans name it (`db.system.name`). */
  readonly storeSystem: 'redis' | 'sqlite';
  /** The route this terminal answers: records are per account, route and key. */
  readonly routeId: string;
}

/** Answers that say "try again later" rather than what the request did: never replayed. */
const notFinal = new Set([408, 409, 425, 429]);

/**
 * Wraps a route's terminal (proxy or async accept) with Idempotency-Key handling: the first request
 * with a key runs and its answer is recorded; a repeat of the same request gets that answer again; a
 * different request with the same key is 422; a repeat while the first still runs is 409. Answers
 * that are not final (5xx, 408, 409, 429) are not kept, so a retry runs again; the key is forwarded to
 * the upstream, which can then recognise a repeat of a write that failed after it was applied.
 */
export function createIdempotentTerminal(inner: Terminal, route: RouteIdempotencyConfig, settings: IdempotencySettings): Terminal {
  const methods = new Set<string>(route.methods);
  const skip = (name: string): boolean => isResponseScopedHeader(name, settings.correlationHeader);
  // The store calls a traced request records, as spans named after them (`idempotency begin` and the like).
  const storeCalls = {
    begin: { name: 'idempotency begin', system: settings.storeSystem, operation: 'begin' },
    complete: { name: 'idempotency complete', system: settings.storeSystem, operation: 'complete' },
    release: { name: 'idempotency release', system: settings.storeSystem, operation: 'release' },
  };

  function replay(ctx: RequestContext, stored: StoredResponse): void {
    // Records kept before response-scoped headers were left out still hold them: filter again.
    const headers = storableHeaders(stored.headers, settings.correlationHeader);
    const body = stored.body ?? Buffer.alloc(0);
    headers.push('content-length', String(body.length), settings.correlationHeader, ctx.correlationId);
    headers.push('idempotent-replayed', 'true', 'x-portier-original-correlation-id', stored.correlationId);
    if (stored.body === undefined) headers.push('x-portier-replay-body', 'omitted');
    for (const item of ctx.responseHeaders) headers.push(item);
    ctx.res.writeHead(stored.status, headers);
    ctx.res.end(body);
  }

  /** Keeps this request's answer when it is final (completes the record), else gives the key back. */
  function record(ctx: RequestContext, scope: string, owner: string): void {
    const { store, logger } = settings;
    const trace = ctx.trace;
    const report = (error: unknown): void => logger.error({ correlationId: ctx.correlationId, err: error }, 'idempotency record not saved');
    recordResponse(
      ctx.res,
      { maxBodyBytes: settings.maxStoredBodyBytes, skip },
      (recorded) => {
        const final = recorded.status < 500 && !notFinal.has(recorded.status);
        const saved = final
          ? store.complete(scope, owner, { ...recorded, correlationId: ctx.correlationId })
          : store.release(scope, owner);
        tracedStoreCall(trace, final ? storeCalls.complete : storeCalls.release, saved).catch(report);
      },
      () => tracedStoreCall(trace, storeCalls.release, store.release(scope, owner)).catch(report),
    );
  }

  return {
    name: 'idempotency',
    handle: async function handleIdempotency(ctx: RequestContext): Promise<Decision> {
      const method = ctx.req.method ?? 'GET';
      const header = ctx.req.headers['idempotency-key'];
      if (!methods.has(method)) return inner.handle(ctx);
      if (header === undefined) {
        return route.required ? portierError('idempotency_key_required', { method, path: ctx.path }) : inner.handle(ctx);
      }
      const parsed = parseIdempotencyKey(header);
      if ('reason' in parsed) return portierError('idempotency_key_invalid', { reason: parsed.reason });
      const tooLarge = await readRequestBody(ctx, settings.maxBodyBytes);
      if (tooLarge !== undefined) return tooLarge;

      // Records are the account's: `config check` refuses idempotency on a route without a required key.
      if (ctx.auth === undefined) throw new Error('idempotency without a key: config check prevents it');
      const scope = sha256(`account:${ctx.auth.account.id}\n${settings.routeId}\n${parsed.key}`);
      // `join` writes an absent URL as '' (the request-target stage always sets one by now).
      const fingerprint = createHash('sha256').update([method, ctx.req.url, ''].join('\n')).update(ctx.body ?? Buffer.alloc(0)).digest('hex');
      const owner = randomUUID();
      const now = settings.clock.now();
      const trace = ctx.trace;
      let result;
      try {
        const begun = settings.store.begin({ scope, fingerprint, owner, now, lockUntil: now + settings.lockTimeoutMs, expiresAt: now + settings.ttlMs });
        result = await tracedStoreCall(trace, storeCalls.begin, begun, (span, begin) => span.setAttribute(portierAttributes.idempotencyResult, begin.kind));
      } catch (error) {
        settings.logger.error({ correlationId: ctx.correlationId, err: error }, 'idempotency store unavailable');
        return portierError('service_unavailable', { service: 'idempotency store' }, { headers: { 'Retry-After': '1' }, cause: error });
      }
      switch (result.kind) {
        case 'mismatch':
          return portierError('idempotency_key_mismatch', { key: parsed.key });
        case 'in_flight':
          // The first request is likely to finish soon: a short hint beats its worst case (the lock timeout).
          return portierError('idempotency_request_in_flight', { key: parsed.key }, { headers: { 'Retry-After': '1' } });
        case 'replay':
          replay(ctx, result.response);
          return undefined;
        case 'started':
          record(ctx, scope, owner);
          return inner.handle(ctx);
      }
    },
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
