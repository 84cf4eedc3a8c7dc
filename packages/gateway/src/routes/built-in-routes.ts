import type { HttpMethod, PortierConfig } from '../config/config-types.js';
import type { KeyedChecks } from './route-spec.js';

/**
 * The routes the gateway answers itself, in one table that the pipeline (which compiles them),
 * `config check` (reserved ids, path conflicts) and the OpenAPI renderer all read. Data only: the
 * answers themselves are bound to these ids where the gateway is put together.
 */
export const builtInRouteIds = {
  health: 'health',
  ready: 'ready',
  accessToken: 'access-token',
  keys: 'api-keys',
  key: 'api-key',
  usage: 'rate-limit-usage',
  operationsList: 'operations-list',
  operation: 'operation',
  operationResult: 'operation-result',
  errorReference: 'error-reference',
  errorReferenceLanguage: 'error-reference-language',
} as const;

export type BuiltInRouteId = (typeof builtInRouteIds)[keyof typeof builtInRouteIds];

export interface BuiltInRoute {
  readonly id: BuiltInRouteId;
  readonly path: string;
  readonly methods: readonly HttpMethod[];
  /** Where its path is configured: `config check` points there when the path conflicts. */
  readonly configuredAt: readonly string[];
  /** Scopes the key must have, when the route needs a key. */
  readonly scopes: readonly string[];
  /** The key stages it runs; undefined when it needs no key. */
  readonly keyed: KeyedChecks | undefined;
  /** Largest request body it reads (0: it reads none). */
  readonly maxBodyBytes: number;
  readonly summary: string;
}

/** Largest create request the keys API reads (a name); anything bigger is not a key request. */
export const keysApiMaxBodyBytes = 4096;

/** Ids no configured route may take: every built-in route's, present or not. */
export const reservedRouteIds: ReadonlySet<string> = new Set(Object.values(builtInRouteIds));

/** The built-in routes this config turns on, in the order they are registered (after the configured ones). */
export function builtInRoutesOf(config: PortierConfig): BuiltInRoute[] {
  const routes: BuiltInRoute[] = [];
  const add = (route: Omit<BuiltInRoute, 'scopes' | 'keyed' | 'maxBodyBytes'> & Partial<BuiltInRoute>): void => {
    routes.push({ scopes: [], keyed: undefined, maxBodyBytes: 0, ...route });
  };
  const { auth } = config;
  add({ id: builtInRouteIds.health, path: config.server.healthPath, methods: ['GET'], configuredAt: ['server', 'healthPath'], summary: 'Liveness: the gateway process serves.' });
  add({ id: builtInRouteIds.ready, path: config.server.readyPath, methods: ['GET'], configuredAt: ['server', 'readyPath'], summary: 'Readiness: the stores answer and the gateway is not shutting down.' });
  const tokens = auth?.accessTokens;
  if (auth !== undefined && tokens !== undefined) {
    // A token cannot be traded for another token: only a key extends access.
    add({ id: builtInRouteIds.accessToken, path: tokens.path, methods: ['GET'], configuredAt: ['auth', 'accessTokens', 'path'], keyed: { acceptTokens: false, plan: true, limits: false }, summary: 'A short-lived access token for the key.' });
  }
  const keysApi = auth?.keysApi;
  if (auth !== undefined && keysApi !== undefined) {
    // Only a key manages keys: a short-lived access token cannot mint long-lived keys.
    const keyed = { acceptTokens: false, plan: true, limits: true };
    const at = ['auth', 'keysApi', 'path'];
    add({ id: builtInRouteIds.keys, path: keysApi.path, methods: ['GET', 'POST'], configuredAt: at, scopes: keysApi.scopes, keyed, maxBodyBytes: keysApiMaxBodyBytes, summary: 'The account\'s keys: list and create.' });
    add({ id: builtInRouteIds.key, path: `${keysApi.path}/:keyId`, methods: ['DELETE'], configuredAt: at, scopes: keysApi.scopes, keyed, summary: 'Revoke one of the account\'s keys.' });
  }
  const usagePath = config.rateLimits.usagePath;
  if (auth !== undefined && usagePath !== undefined) {
    // Reading one's usage uses none of it; an expired trial is refused here as on every endpoint.
    add({ id: builtInRouteIds.usage, path: usagePath, methods: ['GET'], configuredAt: ['rateLimits', 'usagePath'], keyed: { acceptTokens: true, plan: true, limits: false }, summary: 'The caller\'s rate-limit usage.' });
  }
  if (auth !== undefined && config.routes.some((route) => route.async !== undefined)) {
    const base = config.operations.path;
    const keyed = { acceptTokens: true, plan: true, limits: true };
    const at = ['operations', 'path'];
    add({ id: builtInRouteIds.operationsList, path: base, methods: ['GET'], configuredAt: at, keyed, summary: 'The account\'s operations.' });
    add({ id: builtInRouteIds.operation, path: `${base}/:operationId`, methods: ['GET'], configuredAt: at, keyed, summary: 'One operation\'s status.' });
    add({ id: builtInRouteIds.operationResult, path: `${base}/:operationId/result`, methods: ['GET'], configuredAt: at, keyed, summary: 'A finished operation\'s answer.' });
  }
  if (config.errors.serveReference) {
    const base = config.errors.referencePath;
    const at = ['errors', 'referencePath'];
    add({ id: builtInRouteIds.errorReference, path: base, methods: ['GET'], configuredAt: at, summary: 'The error reference, in the language Accept-Language picks.' });
    add({ id: builtInRouteIds.errorReferenceLanguage, path: `${base}/:language`, methods: ['GET'], configuredAt: at, summary: 'The error reference in one language.' });
  }
  return routes;
}
