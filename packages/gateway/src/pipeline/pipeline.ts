import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { HttpMethod, PortierConfig, RouteAuthConfig, RouteConfig } from '../config/config-types.js';
import { accessTokenRouteId, healthRouteId, usageRouteId } from '../config/load-config.js';
import { createUsageTerminal } from '../policies/rate-limit/usage-terminal.js';
import { createTokenExchangeTerminal } from '../accounts/tokens/token-exchange-terminal.js';
import { createKeysApiTerminal, keysApiMaxBodyBytes } from '../accounts/keys-api/keys-api-terminal.js';
import { keysApiRouteIds } from '../accounts/keys-api/keys-api-route-ids.js';
import type { EnvelopeRenderer } from '../envelopes/envelope-renderer.js';
import { renderers } from '../envelopes/renderers.js';
import { portierError, PortierError } from '../errors/portier-error.js';
import { resolveCorrelationId } from '../policies/correlation-id/resolve-correlation-id.js';
import type { MaintenanceState } from '../policies/maintenance/maintenance-state.js';
import { createMaintenancePolicy } from '../policies/maintenance/policy.js';
import { createProxyTerminal } from '../policies/proxy/policy.js';
import type { UpstreamClient } from '../policies/proxy/upstream-client.js';
import { createBodyLimitPolicy } from '../policies/request-body/body-limit-policy.js';
import { createRequestValidationPolicy } from '../policies/request-validation/policy.js';
import { createAccessPolicy } from '../policies/access/policy.js';
import { createApiKeyAuthPolicy, type ApiKeyAuthDependencies } from '../policies/api-key-auth/policy.js';
import { createPlanPolicy } from '../policies/plan/policy.js';
import { compileRouteLimits, type LimitedRoute } from '../policies/rate-limit/compile-limits.js';
import type { CounterBackend } from '../policies/rate-limit/shared-counters.js';
import { createRateLimitPolicy } from '../policies/rate-limit/policy.js';
import { resolveRequestTarget } from '../policies/routing/resolve-request-target.js';
import { expectsContinue } from '../policies/request-body/expect-continue.js';
import { isClientAbort } from '../policies/request-body/is-client-abort.js';
import { checkRequestFraming } from '../server/check-request-framing.js';
import { Cors } from '../policies/cors/cors.js';
import { RouteTable } from '../policies/routing/route-table.js';
import type { Clock } from '../clock.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { parseDuration } from '../config/duration.js';
import type { IdempotencyStore } from '../policies/idempotency/idempotency-store.js';
import { createIdempotentTerminal } from '../policies/idempotency/idempotent-terminal.js';
import type { Operations } from '../operations/operations.js';
import { createAcceptTerminal } from '../operations/accept-terminal.js';
import {
  createListOperationsTerminal,
  createOperationResultTerminal,
  createShowOperationTerminal,
} from '../operations/operation-routes.js';
import { operationRouteIds } from '../operations/operation-route-ids.js';
import { localizerOf } from '../errors/localizer-of.js';
import type { Localizer } from '../errors/localizer.js';
import { createReferenceTerminal, referenceRouteIds } from '../docs/reference-terminal.js';
import type { Logging } from '../log/create-logger.js';
import { logAccess } from './access-log.js';
import type { CompiledRoute } from './compiled-route.js';
import { createHealthTerminal } from './health-terminal.js';
import type { Decision, Policy, Terminal } from './policy.js';
import { RequestContext } from './request-context.js';
import { sendError, type ErrorRendering } from './send-error.js';

/**
 * The order of the stages of one request: the one place it is written. The first two run for every
 * request; the rest are compiled per route at boot, each only where the route's config needs it.
 */
export const stageOrder = [
  'correlation-id',
  'routing',
  'maintenance',
  'api-key-auth',
  'access',
  'plan',
  'rate-limit',
  'request-body',
  'request-validation',
  'idempotency',
  'async',
  'proxy',
] as const;

export interface PipelineEnvironment {
  readonly config: PortierConfig;
  readonly clock: Clock;
  readonly logging: Logging;
  readonly maintenance: MaintenanceState;
  readonly upstreams: ReadonlyMap<string, UpstreamClient>;
  /** Present when the deployment has an `auth` section. */
  readonly keys: ApiKeyAuthDependencies | undefined;
  readonly counters: CounterBackend;
  /** Present when some route uses Idempotency-Key. */
  readonly idempotency: IdempotencyStore | undefined;
  /** Present when some route is async. */
  readonly operations: { readonly operations: Operations; wake(): void } | undefined;
  readonly metrics?: GatewayMetrics;
}

type RouteStage = (route: RouteConfig, maxBodyBytes: number, env: PipelineEnvironment) => Policy | undefined;

/** Policy stages of a proxied route, in `stageOrder`. */
const routeStages: readonly RouteStage[] = [
  function maintenanceStage(route, _max, env) {
    return createMaintenancePolicy(env.maintenance, route.id);
  },
  function apiKeyAuthStage(route, _max, env) {
    if (route.auth === undefined || env.keys === undefined) return undefined;
    return createApiKeyAuthPolicy(route.auth, env.keys);
  },
  function accessStage(route, _max, env) {
    if (route.auth === undefined) return undefined;
    return createAccessPolicy(route.id, route.auth, env.config.plans, env.clock);
  },
  function planStage(route, maxBodyBytes, env) {
    if (route.auth === undefined) return undefined;
    return createPlanPolicy(route.auth, {
      plans: env.config.plans,
      clock: env.clock,
      store: env.keys?.directory.store,
      logger: env.logging.logger,
      maxBodyBytes,
      maxDepth: route.validation?.maxDepth ?? 64,
    });
  },
  function rateLimitStage(route, _max, env) {
    return rateLimitPolicy(route, route.cost, env);
  },
  function requestBodyStage(_route, maxBodyBytes) {
    return createBodyLimitPolicy(maxBodyBytes);
  },
  function requestValidationStage(route, maxBodyBytes) {
    return route.validation === undefined ? undefined : createRequestValidationPolicy(route.validation, maxBodyBytes);
  },
];

/** The rate-limit stage of a route, when some limit can apply there. */
function rateLimitPolicy(route: LimitedRoute, cost: number, env: PipelineEnvironment): Policy | undefined {
  const limits = compileRouteLimits(route, env.config);
  if (limits === undefined) return undefined;
  return createRateLimitPolicy(route.id, limits, cost, {
    counters: env.counters,
    clock: env.clock,
    headers: env.config.rateLimits.headers,
    unavailableRetryAfterSeconds: env.config.rateLimits.redis?.retryAfterSeconds ?? 5,
  });
}

/** What a built-in keyed route checks beyond the key and its access, each as its own stage would. */
interface BuiltInChecks {
  /** Scopes the key must have. */
  readonly scopes: readonly string[];
  /** Whether a short-lived access token may stand in for the key (not where keys or tokens are made). */
  readonly acceptTokens: boolean;
  /** Whether the plan (trial, features) is checked. */
  readonly plan: boolean;
  /** Whether the request counts against the plan's limits, like any API call. */
  readonly limits: boolean;
}

/** Stages of a built-in route that needs a key, in `stageOrder`: auth, access, plan, rate limit. */
function keyedBuiltInPolicies(env: PipelineEnvironment, id: string, path: string, checks: BuiltInChecks): Policy[] {
  const keys = env.keys;
  if (keys === undefined) throw new Error('built-in keyed routes need the auth section');
  const { config } = env;
  const routeAuth: RouteAuthConfig = { required: true, scopes: checks.scopes };
  const plan = checks.plan
    ? createPlanPolicy(routeAuth, { plans: config.plans, clock: env.clock, store: undefined, logger: env.logging.logger, maxBodyBytes: 0, maxDepth: 64 })
    : undefined;
  const limits = checks.limits ? rateLimitPolicy({ id, path, auth: routeAuth }, 1, env) : undefined;
  return [
    createApiKeyAuthPolicy(routeAuth, keys, { acceptTokens: checks.acceptTokens }),
    createAccessPolicy(id, routeAuth, config.plans, env.clock),
    ...(plan === undefined ? [] : [plan]),
    ...(limits === undefined ? [] : [limits]),
  ];
}

export interface Pipeline {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** The compiled route table, configured routes first: what `handle` matches requests against. */
  readonly routes: readonly CompiledRoute[];
  /** While draining, responses ask clients to close their connection. */
  setDraining(draining: boolean): void;
}

export function createPipeline(env: PipelineEnvironment): Pipeline {
  const { config } = env;
  const { logger, accessLog } = env.logging;
  const localizer = localizerOf(config);
  const rendering: ErrorRendering = {
    typeBaseUrl: config.errors.typeBaseUrl,
    gatewayService: config.errors.service,
    correlationHeader: config.correlation.header,
    localizer,
    negotiate: config.errors.negotiate,
  };
  const correlationLower = config.correlation.header.toLowerCase();
  const defaultRenderer = renderers[config.errors.envelope];
  const builtIn = [compileHealthRoute(env), ...compileAccessTokenRoute(env), ...compileKeysApiRoutes(env), ...compileUsageRoute(env), ...compileOperationRoutes(env), ...compileReferenceRoutes(env, localizer)];
  const routes = [...config.routes.map((route) => compileRoute(route, env)), ...builtIn];
  const table = new RouteTable(routes.map((route) => ({ path: route.path, methods: route.methods, target: route })));
  let draining = false;
  const cors = config.cors === undefined ? undefined : new Cors(config.cors, config.correlation.header);

  /**
   * A CORS preflight: 204 with the methods the path accepts. A path nobody serves gets the requested
   * method, so that the real request reaches its catalogued 404 (which a script can read) instead of
   * failing as a blocked preflight.
   */
  const preflight = (ctx: RequestContext, policy: Cors, origin: string, requested: string): void => {
    const methods = table.allowedMethods(ctx.path) ?? requested;
    ctx.res.writeHead(204, [...policy.preflightHeaders(origin, methods), rendering.correlationHeader, ctx.correlationId]);
    ctx.res.end();
    finish(ctx);
  };

  const { metrics } = env;
  const finish = (ctx: RequestContext): void => {
    if (ctx.onComplete !== undefined) ctx.onComplete(ctx);
    logAccess(accessLog, ctx);
    metrics?.observe(ctx);
  };

  const fail = (ctx: RequestContext, error: PortierError, renderer: EnvelopeRenderer): void => {
    sendError(ctx, error, renderer, rendering);
    finish(ctx);
  };

  const crash = (ctx: RequestContext, error: unknown): void => {
    // A store refusing with a catalog error (account_store_unavailable, key_limit_reached) is an answer.
    if (error instanceof PortierError) return fail(ctx, error, ctx.route?.renderer ?? defaultRenderer);
    // The client left (or timed out) while a stage read its body: nobody to answer, and not our bug.
    if (isClientAbort(error)) return finish(ctx);
    logger.error({ correlationId: ctx.correlationId, route: ctx.route?.id, err: error }, 'unexpected error');
    fail(ctx, portierError('internal_error', {}), ctx.route?.renderer ?? defaultRenderer);
  };

  async function runRoute(ctx: RequestContext, route: CompiledRoute): Promise<void> {
    for (const policy of route.policies) {
      let decision: Decision | Promise<Decision> = policy.handle(ctx);
      if (decision !== undefined && !(decision instanceof PortierError)) decision = await decision;
      if (decision !== undefined) return fail(ctx, decision, route.renderer);
    }
    const decision = await route.terminal.handle(ctx);
    if (decision !== undefined) return fail(ctx, decision, route.renderer);
    finish(ctx);
  }

  return {
    routes,
    setDraining(value: boolean): void {
      draining = value;
    },
    handle: function handleRequest(req: IncomingMessage, res: ServerResponse): void {
      const ctx = new RequestContext(req, res, performance.now());
      const headers = req.headers;
      ctx.correlationId = resolveCorrelationId(single(headers[correlationLower]), single(headers.traceparent));
      if (draining) res.setHeader('connection', 'close');
      const target = resolveRequestTarget(req.url ?? '/');
      if (target === undefined) {
        ctx.path = (req.url ?? '').slice(0, 200);
        return fail(ctx, portierError('invalid_request_target', {}), defaultRenderer);
      }
      // From here on every stage (routing, validation, idempotency, the proxy) reads the one
      // normalized target: the path the router matched is the path forwarded.
      ctx.path = target.path;
      req.url = target.path + target.query;
      const refusal = checkRequestFraming(req);
      if (refusal !== undefined) return fail(ctx, refusal, defaultRenderer);
      ctx.continuePending = expectsContinue(req);
      const origin = cors === undefined ? undefined : single(headers.origin);
      if (origin !== undefined && cors !== undefined) {
        const requested = single(headers['access-control-request-method']);
        if (req.method === 'OPTIONS' && requested !== undefined) return preflight(ctx, cors, origin, requested);
        for (const item of cors.responseHeaders(origin)) ctx.responseHeaders.push(item);
      }
      const match = table.match(req.method ?? 'GET', ctx.path);
      if (match.kind === 'not_found') {
        return fail(ctx, portierError('not_found', { method: req.method ?? '', path: ctx.path }), defaultRenderer);
      }
      if (match.kind === 'method_not_allowed') {
        const error = portierError(
          'method_not_allowed',
          { method: req.method ?? '', path: ctx.path, allowed: match.allow },
          { headers: { Allow: match.allow } },
        );
        return fail(ctx, error, defaultRenderer);
      }
      ctx.route = match.target;
      ctx.params = match.params;
      runRoute(ctx, match.target).catch((error: unknown) => crash(ctx, error));
    },
  };
}

function compileRoute(route: RouteConfig, env: PipelineEnvironment): CompiledRoute {
  const maxBodyBytes = route.maxBodyBytes ?? env.config.server.maxBodyBytes;
  const upstream = env.upstreams.get(route.upstream);
  if (upstream === undefined) throw new Error(`route ${route.id}: upstream ${route.upstream} was not created`);
  const policies: Policy[] = [];
  for (const stage of routeStages) {
    const policy = stage(route, maxBodyBytes, env);
    if (policy !== undefined) policies.push(policy);
  }
  return {
    id: route.id,
    path: route.path,
    methods: route.methods,
    config: route,
    maxBodyBytes,
    renderer: renderers[route.envelope ?? env.config.errors.envelope],
    policies,
    terminal: compileTerminal(route, maxBodyBytes, upstream, env),
  };
}

/** The proxy, or for an async route the durable accept; wrapped in Idempotency-Key handling when the route asks for it. */
function compileTerminal(route: RouteConfig, maxBodyBytes: number, upstream: UpstreamClient, env: PipelineEnvironment): Terminal {
  const { config } = env;
  const forward = {
    correlationHeader: config.correlation.header.toLowerCase(),
    trustForwardedHeaders: config.server.trustForwardedHeaders,
    dropHeaders: credentialHeaders(config),
  };
  const async = env.operations;
  const queued = { ...forward, dropHeaders: queuedCredentialHeaders(config, route) };
  const terminal =
    route.async !== undefined && async !== undefined
      ? createAcceptTerminal(async.operations, { forward: queued, maxBodyBytes, clock: env.clock, wake: () => async.wake() })
      : createProxyTerminal(upstream, {
          ...forward,
          maxBodyBytes,
          clock: env.clock,
          warningsInBody: route.validation?.warningsInBody,
          unavailableRetryAfterSeconds: upstream.config.unavailableRetryAfterSeconds,
          logger: env.logging.logger,
        });
  if (route.idempotency === undefined || env.idempotency === undefined) return terminal;
  return createIdempotentTerminal(terminal, route.idempotency, {
    store: env.idempotency,
    clock: env.clock,
    logger: env.logging.logger,
    ttlMs: parseDuration(config.idempotency.ttl),
    lockTimeoutMs: config.idempotency.lockTimeoutMs,
    maxStoredBodyBytes: config.idempotency.maxStoredBodyBytes,
    maxBodyBytes,
    correlationHeader: forward.correlationHeader,
  });
}

/** Headers that carry the caller's key, removed before forwarding unless the config says otherwise. */
function credentialHeaders(config: PortierConfig): ReadonlySet<string> {
  const auth = config.auth;
  if (auth === undefined || auth.forwardCredentials) return new Set();
  return new Set(auth.schemes.includes('header') ? ['authorization', auth.header.toLowerCase()] : ['authorization']);
}

/**
 * Headers kept out of the operation queue, where a request waits in plain text for the retention
 * period: every credential and cookie, whatever `auth.forwardCredentials` says, unless the route opts
 * in with `async.forwardCredentials` (which `config check` warns about).
 */
function queuedCredentialHeaders(config: PortierConfig, route: RouteConfig): ReadonlySet<string> {
  if (route.async?.forwardCredentials === true) return new Set();
  const names = ['authorization', 'proxy-authorization', 'cookie'];
  if (config.auth !== undefined) names.push(config.auth.header.toLowerCase());
  return new Set(names);
}

/** A route the gateway answers itself: health check, token exchange, usage, keys. */
function builtInRoute(
  env: PipelineEnvironment,
  id: string,
  path: string,
  policies: Policy[],
  terminal: Terminal,
  methods: readonly HttpMethod[] = ['GET'],
  maxBodyBytes = 0,
): CompiledRoute {
  return {
    id,
    path,
    methods,
    config: undefined,
    maxBodyBytes,
    renderer: renderers[env.config.errors.envelope],
    policies: [createMaintenancePolicy(env.maintenance, id), ...policies],
    terminal,
  };
}

function compileHealthRoute(env: PipelineEnvironment): CompiledRoute {
  return builtInRoute(env, healthRouteId, env.config.server.healthPath, [], createHealthTerminal(env.config.correlation.header));
}

/** The caller's own rate-limit usage, when `rateLimits.usagePath` is configured (needs keys). */
function compileUsageRoute(env: PipelineEnvironment): CompiledRoute[] {
  const path = env.config.rateLimits.usagePath;
  if (path === undefined || env.keys === undefined) return [];
  // Reading one's usage uses none of it; an expired trial is refused here as on every endpoint.
  const policies = keyedBuiltInPolicies(env, usageRouteId, path, { scopes: [], acceptTokens: true, plan: true, limits: false });
  return [builtInRoute(env, usageRouteId, path, policies, createUsageTerminal(env.config, env.counters, env.clock))];
}

/** The key-for-token exchange, when `auth.accessTokens` is configured. */
function compileAccessTokenRoute(env: PipelineEnvironment): CompiledRoute[] {
  const auth = env.config.auth;
  const tokens = auth?.accessTokens;
  if (auth === undefined || tokens === undefined || env.keys === undefined) return [];
  // A token cannot be traded for another token: only a key extends access.
  const policies = keyedBuiltInPolicies(env, accessTokenRouteId, tokens.path, { scopes: [], acceptTokens: false, plan: true, limits: false });
  return [builtInRoute(env, accessTokenRouteId, tokens.path, policies, createTokenExchangeTerminal(auth, tokens, env.clock, env.config.correlation.header))];
}

/** Self-service keys, when `auth.keysApi` is configured: a key holder manages its account's keys. */
function compileKeysApiRoutes(env: PipelineEnvironment): CompiledRoute[] {
  const { config } = env;
  const auth = config.auth;
  const keysApi = auth?.keysApi;
  if (auth === undefined || keysApi === undefined || env.keys === undefined) return [];
  // Only a key manages keys: a short-lived access token cannot mint long-lived keys.
  const checks = { scopes: keysApi.scopes, acceptTokens: false, plan: true, limits: true };
  const terminal = createKeysApiTerminal({ config: { ...config, auth }, keysApi, directory: env.keys.directory });
  const { collection, item } = keysApiRouteIds;
  const itemPath = `${keysApi.path}/:keyId`;
  return [
    builtInRoute(env, collection, keysApi.path, keyedBuiltInPolicies(env, collection, keysApi.path, checks), terminal, ['GET', 'POST'], keysApiMaxBodyBytes),
    builtInRoute(env, item, itemPath, keyedBuiltInPolicies(env, item, itemPath, checks), terminal, ['DELETE']),
  ];
}

/** The polling routes of async operations: list, show, result; each needs the caller's key. */
function compileOperationRoutes(env: PipelineEnvironment): CompiledRoute[] {
  const async = env.operations;
  if (async === undefined || env.keys === undefined) return [];
  const base = env.config.operations.path;
  const { operations } = async;
  const { list, show, result } = operationRouteIds;
  const checks = { scopes: [], acceptTokens: true, plan: true, limits: true };
  const route = (id: string, path: string, terminal: Terminal): CompiledRoute => builtInRoute(env, id, path, keyedBuiltInPolicies(env, id, path, checks), terminal);
  return [
    route(list, base, createListOperationsTerminal(operations)),
    route(show, `${base}/:operationId`, createShowOperationTerminal(operations)),
    route(result, `${base}/:operationId/result`, createOperationResultTerminal(operations)),
  ];
}

/** The HTML error reference (`errors.referencePath`): negotiated, and one page per offered language. */
function compileReferenceRoutes(env: PipelineEnvironment, localizer: Localizer): CompiledRoute[] {
  const { errors } = env.config;
  if (!errors.serveReference) return [];
  const terminal = createReferenceTerminal(localizer, errors.referencePath, env.config.correlation.header);
  return [
    builtInRoute(env, referenceRouteIds.negotiated, errors.referencePath, [], terminal),
    builtInRoute(env, referenceRouteIds.language, `${errors.referencePath}/:language`, [], terminal),
  ];
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
