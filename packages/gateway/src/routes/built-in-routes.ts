import type { HttpMethod, PortierConfig } from '../config/config-types.js';
import type { KeyedChecks } from './route-spec.js';
import { pageSecurityHeaders } from '../pages/page-assets.js';

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
  keyRotate: 'api-key-rotate',
  usage: 'rate-limit-usage',
  operationsList: 'operations-list',
  operation: 'operation',
  operationResult: 'operation-result',
  errorReference: 'error-reference',
  errorReferenceLanguage: 'error-reference-language',
  portalHome: 'portal-home',
  portalPage: 'portal-page',
  portalAsset: 'portal-asset',
  portalSession: 'portal-session',
  portalAccount: 'portal-account',
  portalKeys: 'portal-keys',
  portalErrors: 'portal-errors',
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
  /** Headers every answer carries, errors included (the portal's CSP), as flat name/value pairs. */
  readonly answerHeaders?: readonly string[];
  readonly summary: string;
}

/** Largest create request the keys API reads (a name); anything bigger is not a key request. */
export const keysApiMaxBodyBytes = 4096;

/** The page headers (CSP, no framing, nosniff) on every portal answer; JSON and error answers set their own cache-control. */
export const portalAnswerHeaderRecord: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(pageSecurityHeaders).filter(([name]) => name !== 'cache-control'));
const portalAnswerHeaders: readonly string[] = Object.entries(portalAnswerHeaderRecord).flat();

/** The portal's settings when it is served (it signs in with access tokens, so it needs them). */
function servedPortal(config: PortierConfig): PortierConfig['portal'] {
  return config.auth?.accessTokens === undefined ? undefined : config.portal;
}

/** Paths whose every answer carries headers, even one no route gives (404, 405): the portal's page headers. */
export interface PrefixHeaders {
  readonly prefix: string;
  readonly headers: Readonly<Record<string, string>>;
}

export function prefixAnswerHeaders(config: PortierConfig): readonly PrefixHeaders[] {
  const portal = servedPortal(config);
  return portal === undefined ? [] : [{ prefix: portal.path, headers: portalAnswerHeaderRecord }];
}

/** Ids no configured route may take: every built-in route's, present or not. */
export const reservedRouteIds: ReadonlySet<string> = new Set(Object.values(builtInRouteIds));

/** The built-in routes this config turns on, in the order they are registered (after the configured ones). */
export function builtInRoutesOf(config: PortierConfig): BuiltInRoute[] {
  const routes: BuiltInRoute[] = [];
  const add = (route: Omit<BuiltInRoute, 'scopes' | 'keyed' | 'maxBodyBytes'> & Partial<BuiltInRoute>): void => {
    routes.push({ scopes: [], keyed: undefined, maxBodyBytes: 0, ...route });
  };
  const addRoute = add;
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
    add({ id: builtInRouteIds.keyRotate, path: `${keysApi.path}/:keyId/rotate`, methods: ['POST'], configuredAt: at, scopes: keysApi.scopes, keyed, summary: 'Rotate one of the account\'s keys: a replacement now, the old key kept for the grace period.' });
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
  const portal = servedPortal(config);
  if (auth !== undefined && portal !== undefined) {
    const base = portal.path === '/' ? '' : portal.path;
    const at = ['portal', 'path'];
    const add = (route: Omit<BuiltInRoute, 'scopes' | 'keyed' | 'maxBodyBytes'> & Partial<BuiltInRoute>): void => addRoute({ answerHeaders: portalAnswerHeaders, ...route });
    // At `/` the page's own path is the portal's: there is no bare path to redirect.
    if (base !== '') add({ id: builtInRouteIds.portalHome, path: portal.path, methods: ['GET'], configuredAt: at, summary: 'Redirects to the portal page.' });
    add({ id: builtInRouteIds.portalPage, path: `${base}/`, methods: ['GET'], configuredAt: at, summary: 'The key holders\' portal page.' });
    add({ id: builtInRouteIds.portalAsset, path: `${base}/:file`, methods: ['GET'], configuredAt: at, summary: 'One file of the portal page (script, style, strings).' });
    // Signing in takes the key itself: a token cannot start a new session that outlives it.
    add({ id: builtInRouteIds.portalSession, path: `${base}/api/session`, methods: ['GET'], configuredAt: at, keyed: { acceptTokens: false, plan: true, limits: false }, summary: 'Signs in to the portal: a short-lived access token for the key.' });
    // Reading one's own account uses none of its limits, as the usage route.
    const reader = { acceptTokens: true, plan: true, limits: false };
    add({ id: builtInRouteIds.portalAccount, path: `${base}/api/account`, methods: ['GET'], configuredAt: at, keyed: reader, summary: 'The caller\'s account, plan, key and limit usage.' });
    add({ id: builtInRouteIds.portalKeys, path: `${base}/api/keys`, methods: ['GET'], configuredAt: at, keyed: reader, summary: 'The account\'s keys the caller may see.' });
    add({ id: builtInRouteIds.portalErrors, path: `${base}/api/errors`, methods: ['GET'], configuredAt: at, keyed: reader, summary: 'The account\'s recent error answers, or one by `?correlationId=`.' });
  }
  return routes;
}
