import type { Clock } from '../../clock.js';
import type { RouteIdempotencyConfig } from '../../config/config-types.js';
import { parseDuration } from '../../config/duration.js';
import type { ErrorCode } from '../../errors/catalog.js';
import type { Logger } from '../../log/create-logger.js';
import type { WrapperStageModule } from '../../pipeline/policy.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { createIdempotentTerminal } from './idempotent-terminal.js';
import { idempotencyScopeProblem } from './check-idempotency-scope.js';

export interface IdempotencyStageSettings {
  readonly route: RouteIdempotencyConfig;
  /** The route's id: records are kept per account, route and key. */
  readonly routeId: string;
  readonly ttlMs: number;
  readonly lockTimeoutMs: number;
  readonly maxStoredBodyBytes: number;
  readonly maxBodyBytes: number;
  /** Lower-case correlation header: a replay carries the new request's ID, not the stored one. */
  readonly correlationHeader: string;
  /** The records are in Redis, which can be unreachable. */
  readonly inRedis: boolean;
}

export interface IdempotencyDeps {
  /** Present when some route uses Idempotency-Key. */
  readonly store: IdempotencyStore | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Around the route's answer (proxy or durable accept): a repeat of a keyed request gets the first answer again. */
export const idempotencyStage: WrapperStageModule<'idempotency', IdempotencyStageSettings, IdempotencyDeps> = {
  name: 'idempotency',
  scope: 'wrapper',
  summary: 'on routes with `idempotency`: an `Idempotency-Key` request runs once per account, key and route; a repeat gets the stored answer (`Idempotent-Replayed: true`)',
  emits: ['idempotency_key_required', 'idempotency_key_invalid', 'idempotency_key_mismatch', 'idempotency_request_in_flight', 'payload_too_large', 'service_unavailable'],
  settingsOf(route, config) {
    const idempotency = route.config?.idempotency;
    if (idempotency === undefined) return undefined;
    return {
      route: idempotency,
      routeId: route.id,
      ttlMs: parseDuration(config.idempotency.ttl),
      lockTimeoutMs: config.idempotency.lockTimeoutMs,
      maxStoredBodyBytes: config.idempotency.maxStoredBodyBytes,
      maxBodyBytes: route.maxBodyBytes,
      correlationHeader: config.correlation.header.toLowerCase(),
      inRedis: config.idempotency.redis !== undefined,
    };
  },
  codes(settings) {
    const codes: ErrorCode[] = ['idempotency_key_invalid', 'idempotency_key_mismatch', 'idempotency_request_in_flight'];
    if (settings.route.required) codes.push('idempotency_key_required');
    if (settings.inRedis) codes.push('service_unavailable');
    return codes;
  },
  checkRoute(route, index, config, report) {
    if (route.idempotency === undefined) return;
    const scope = idempotencyScopeProblem(route);
    if (scope !== undefined) report(['routes', index, 'idempotency'], scope);
    if (config.idempotency.redis === undefined && config.idempotency.sqlitePath === undefined && config.auth === undefined) {
      report(['routes', index, 'idempotency'], 'idempotency needs a store: `idempotency.sqlitePath`, `idempotency.redis` or the `auth` section\'s database');
    }
  },
  create(settings, { store, clock, logger }) {
    if (store === undefined) throw new Error('idempotency needs its store: the gateway opens one when a route uses it');
    return (inner) => createIdempotentTerminal(inner, settings.route, { ...settings, store, clock, logger, storeSystem: settings.inRedis ? 'redis' : 'sqlite' });
  },
};
