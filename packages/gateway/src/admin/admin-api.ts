import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { AuthConfig, PortierConfig } from '../config/config-types.js';
import { renderers } from '../envelopes/renderers.js';
import { PortierError, portierError } from '../errors/portier-error.js';
import type { KeyDirectory } from '../accounts/key-directory.js';
import { keyMatchesHash, hashKey } from '../accounts/keys/hash-key.js';
import type { Logger } from '../log/create-logger.js';
import type { MaintenanceState } from '../policies/maintenance/maintenance-state.js';
import { RouteTable } from '../routes/route-table.js';
import { RequestContext } from '../pipeline/request-context.js';
import { sendError, type ErrorRendering } from '../pipeline/send-error.js';
import { sendJson } from '../pipeline/send-json.js';
import { AccountAdmin } from './account-admin.js';
import { readJsonBody, type JsonObject } from './read-json-body.js';
import type { Clock } from '../clock.js';
import { describeUsage } from '../policies/rate-limit/describe-usage.js';
import type { CounterBackend } from '../policies/rate-limit/shared-counters.js';
import type { UpstreamClient } from '../policies/proxy/upstream-client.js';
import type { Operations } from '../operations/operations.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { describeOperation } from '../operations/describe-operation.js';
import type { ConfigProblem } from '../config/config-problem.js';
import { catalog } from '../errors/catalog.js';
import { fillTemplate } from '../errors/fill-template.js';
import type { UsageReader } from '../usage/usage-types.js';
import type { RecentLogLines } from '../log/recent-log-lines.js';
import { loadPageAssets, pageSecurityHeaders } from '../pages/page-assets.js';
import { dashboardSummary, minutesOf, requestStory, type DashboardSources } from './dashboard/dashboard-data.js';
import { dashboardAssetName } from './dashboard/dashboard-asset-name.js';
import { baseUrlOf } from '../server/base-url-of.js';

/** What the admin API reads of the config being served. */
export interface AdminView {
  readonly config: PortierConfig;
  readonly operations: Operations | undefined;
}

/** What a reload did: swapped in the file's config, or refused it with every problem. */
export type ReloadOutcome =
  | { readonly ok: true; readonly file: string; readonly routes: number; readonly warnings: readonly { readonly path: string; readonly message: string }[] }
  | { readonly ok: false; readonly file: string; readonly problems: readonly ConfigProblem[] };

type Params = Readonly<Record<string, string | undefined>>;
type AdminHandler = (body: JsonObject, params: Params, query: URLSearchParams) => Promise<{ status: number; body: unknown }>;

/**
 * The admin API: accounts, keys, audit and maintenance over HTTP, on its own port, behind a bearer
 * token. Writes empty the gateway's key cache at once, so they apply on the very next request.
 */
export function createAdminApi(options: {
  /** The config and the operations the gateway serves right now (a reload replaces them). */
  current: () => AdminView;
  token: string;
  directory: KeyDirectory | undefined;
  maintenance: MaintenanceState;
  logger: Logger;
  counters: CounterBackend;
  clock: Clock;
  /** The upstreams served right now (the gateway updates this map on reload). */
  upstreams: ReadonlyMap<string, UpstreamClient>;
  metrics: GatewayMetrics;
  /** Usage metering's reader (flushed rows plus this gateway's unflushed counts), when metering runs. */
  usage?: UsageReader | undefined;
  /** Loads the config file again and swaps it in (`POST /admin/reload`). */
  reload: () => Promise<ReloadOutcome>;
  /** The in-memory ring of recent log lines: what the dashboard's correlation-ID search reads. */
  recentLines?: RecentLogLines | undefined;
}): { server: Server; listen(host: string, port: number): Promise<string> } {
  const { directory, maintenance, logger } = options;
  const tokenHash = hashKey(options.token);
  const renderer = renderers.problem;
  const renderingOf = (config: PortierConfig): ErrorRendering => ({ typeBaseUrl: config.errors.typeBaseUrl, gatewayService: config.errors.service, correlationHeader: config.correlation.header });
  const expected = '`Authorization: Bearer <admin token>`';
  // Built per call from the config served now: a reload that changes the plans applies to admin writes too.
  const accounts = (): AccountAdmin => {
    const { config } = options.current();
    if (directory === undefined || config.auth === undefined) throw new Error('account routes exist only with auth');
    return new AccountAdmin(directory.store, config as PortierConfig & { auth: AuthConfig }, 'admin-api', () => directory.invalidate());
  };
  const hasAccounts = directory !== undefined && options.current().config.auth !== undefined;
  // The dashboard's static shell, read once: it holds no data and no secret, so it is served without the token.
  const dashboardAssets = loadPageAssets('dashboard');
  const dashboard: DashboardSources = {
    clock: options.clock,
    usage: options.usage,
    recentLines: options.recentLines,
    counters: options.counters,
    upstreams: options.upstreams,
    operations: () => options.current().operations,
    accountName: directory === undefined ? undefined : async (id) => (await directory.store.getAccount(id))?.name,
  };

  type AdminRoute = { method: 'GET' | 'POST' | 'PATCH' | 'PUT'; path: string; handle: AdminHandler };
  // Account and key routes exist only where the deployment has accounts (an `auth` section).
  const accountRoutes: AdminRoute[] = [
    { method: 'GET', path: '/admin/accounts', handle: async () => ok(await accounts().listAccounts()) },
    {
      method: 'POST',
      path: '/admin/accounts',
      handle: async (body) => ({ status: 201, body: await accounts().createAccount(text(body, 'name'), text(body, 'plan')) }),
    },
    { method: 'GET', path: '/admin/accounts/:id', handle: async (_b, p) => ok(await accounts().showAccount(p['id'] ?? '')) },
    {
      method: 'PATCH',
      path: '/admin/accounts/:id',
      handle: async (body, p) => {
        const id = p['id'] ?? '';
        const admin = accounts();
        if (body['plan'] !== undefined) await admin.setPlan(id, text(body, 'plan'));
        if (body['status'] !== undefined) await admin.setStatus(id, oneOf(body, 'status', ['active', 'disabled'] as const));
        return ok((await admin.showAccount(id)).account);
      },
    },
    {
      method: 'PUT',
      path: '/admin/accounts/:id/entities/:entity',
      handle: async (body, p) => {
        const count = body['count'];
        if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw badField('count', 'must be a whole number');
        return ok(await accounts().setEntityCount(p['id'] ?? '', p['entity'] ?? '', count));
      },
    },
    {
      method: 'GET',
      path: '/admin/accounts/:id/usage',
      handle: async (_b, p, query) => {
        const { account, keys } = await accounts().showAccount(p['id'] ?? '');
        const keyIds = keys.filter((key) => key.status !== 'revoked').map((key) => key.id);
        const limits = await describeUsage(options.current().config, options.counters, { account, keyIds, params: Object.fromEntries(query), ip: undefined }, options.clock.now());
        return ok({ account: account.id, plan: account.plan, limits });
      },
    },
    { method: 'GET', path: '/admin/accounts/:id/keys', handle: async (_b, p) => ok(await accounts().listKeys(p['id'] ?? '')) },
    {
      method: 'POST',
      path: '/admin/accounts/:id/keys',
      handle: async (body, p) => {
        const expiresAt = body['expiresAt'] === undefined ? undefined : Date.parse(text(body, 'expiresAt'));
        if (expiresAt !== undefined && Number.isNaN(expiresAt)) throw badField('expiresAt', 'must be an ISO 8601 date');
        const issued = await accounts().createKey({
          accountId: p['id'] ?? '',
          name: text(body, 'name'),
          scopes: strings(body, 'scopes'),
          bindings: strings(body, 'bindings'),
          ...(expiresAt === undefined ? {} : { expiresAt }),
        });
        return { status: 201, body: issued };
      },
    },
    { method: 'POST', path: '/admin/keys/:id/revoke', handle: async (_b, p) => ok(await accounts().revokeKey(p['id'] ?? '')) },
    { method: 'POST', path: '/admin/keys/:id/rotate', handle: async (_b, p) => ({ status: 201, body: await accounts().rotateKey(p['id'] ?? '') }) },
    {
      method: 'GET',
      path: '/admin/audit',
      handle: async (_b, _p, query) => ok(await accounts().listAudit(Math.min(Number(query.get('limit') ?? 50) || 50, 1000))),
    },
  ];
  // Queue routes exist only where some route is async (which only a restart changes).
  const operations = (): Operations => options.current().operations as Operations;
  const operationRoutes: AdminRoute[] =
    options.current().operations === undefined
      ? []
      : [
          { method: 'GET', path: '/admin/operations/stats', handle: async () => ok(await operations().store.stats(options.clock.now())) },
          {
            method: 'GET',
            path: '/admin/operations',
            handle: async (_b, _p, query) => {
              const account = query.get('account');
              if (account === null) throw badField('account', 'is required (?account=ID)');
              const limit = Math.min(Number(query.get('limit') ?? 50) || 50, 1000);
              const page = await operations().store.list(account, {}, limit, query.get('cursor') ?? undefined);
              return ok({ data: page.items.map((operation) => describeOperation(operations(), operation)), cursor: page.cursor ?? null });
            },
          },
          {
            method: 'GET',
            path: '/admin/operations/:id',
            handle: async (_b, p) => {
              const operation = await operations().store.get(p['id'] ?? '');
              if (operation === undefined) throw portierError('operation_not_found', { operationId: p['id'] ?? '' });
              return ok(describeOperation(operations(), operation));
            },
          },
        ];
  const routes: AdminRoute[] = [
    ...(hasAccounts ? accountRoutes : []),
    ...operationRoutes,
    {
      method: 'GET',
      path: '/admin/status',
      handle: async () => {
        const { operations: queue } = options.current();
        return ok({
          rateLimits: options.counters.status(),
          ...(queue === undefined ? {} : { operations: await queue.store.stats(options.clock.now()) }),
          upstreams: Object.fromEntries([...options.upstreams].map(([name, upstream]) => [name, { circuit: upstream.breaker.isOpen ? 'open' : 'closed' }])),
        });
      },
    },
    { method: 'GET', path: '/admin/dashboard/summary', handle: async (_b, _p, query) => ok(await dashboardSummary(dashboard, minutesOf(query))) },
    { method: 'GET', path: '/admin/dashboard/requests/:correlationId', handle: async (_b, p) => ok(await requestStory(dashboard, p['correlationId'] ?? '')) },
    {
      method: 'POST',
      path: '/admin/reload',
      handle: async () => {
        const outcome = await options.reload();
        if (outcome.ok) return ok({ reloaded: true, file: outcome.file, routes: outcome.routes, warnings: outcome.warnings });
        // The same answer as `portier config check --json`, with the status of a refused change.
        return { status: 422, body: { reloaded: false, code: 'config_invalid', detail: fillTemplate(catalog.config_invalid.texts.en.detail, { file: outcome.file, count: outcome.problems.length }), file: outcome.file, problems: outcome.problems } };
      },
    },
    {
      method: 'PUT',
      path: '/admin/maintenance',
      handle: async (body) => {
        maintenance.setGlobal(maintenanceChange(body));
        return ok({ maintenance: 'updated' });
      },
    },
    {
      method: 'PUT',
      path: '/admin/routes/:id/maintenance',
      handle: async (body, p) => {
        const id = p['id'] ?? '';
        if (!options.current().config.routes.some((route) => route.id === id)) throw portierError('not_found', { method: 'PUT', path: `/admin/routes/${id}/maintenance` });
        maintenance.setRoute(id, maintenanceChange(body));
        return ok({ maintenance: 'updated' });
      },
    },
  ];
  const table = new RouteTable(routes.map((route) => ({ path: route.path, methods: [route.method], target: route })));

  async function serve(ctx: RequestContext): Promise<void> {
    const { req } = ctx;
    const assetName = dashboardAssetName(ctx.path);
    if (assetName !== undefined && (req.method === 'GET' || req.method === 'HEAD')) {
      const asset = dashboardAssets.get(assetName);
      if (asset === undefined) throw portierError('not_found', { method: req.method, path: ctx.path });
      ctx.res.writeHead(200, ['content-type', asset.contentType, 'content-length', String(asset.body.length)]);
      ctx.res.end(req.method === 'HEAD' ? undefined : asset.body);
      return;
    }
    const authorization = req.headers.authorization;
    if (authorization === undefined) throw portierError('authentication_required', { expected });
    const presented = /^Bearer (\S+)$/.exec(authorization)?.[1];
    if (presented === undefined || !keyMatchesHash(presented, tokenHash)) throw portierError('invalid_token', {});
    const url = new URL(req.url ?? '/', 'http://admin');
    ctx.path = url.pathname;
    if (url.pathname === '/metrics' && req.method === 'GET') {
      // Prometheus text exposition: scraped with the admin token (`authorization: { credentials: … }`).
      const text = await options.metrics.text();
      ctx.res.writeHead(200, ['content-type', options.metrics.contentType, 'content-length', String(Buffer.byteLength(text)), 'cache-control', 'no-store']);
      ctx.res.end(text);
      return;
    }
    const match = table.match(req.method ?? 'GET', url.pathname);
    if (match.kind === 'not_found') throw portierError('not_found', { method: req.method ?? '', path: url.pathname });
    if (match.kind === 'method_not_allowed') {
      throw portierError('method_not_allowed', { method: req.method ?? '', path: url.pathname, allowed: match.allow }, { headers: { Allow: match.allow } });
    }
    const body = req.method === 'GET' ? {} : await readJsonBody(req, 64 * 1024);
    const result = await match.target.handle(body, match.params, url.searchParams);
    sendJson(ctx, result.status, JSON.stringify(result.body), options.current().config.correlation.header);
  }

  function handle(req: IncomingMessage, res: ServerResponse, refusal?: PortierError): void {
    const ctx = new RequestContext(req, res, performance.now());
    ctx.correlationId = randomUUID();
    ctx.path = (req.url ?? '/').split('?')[0] ?? '/';
    // Every admin answer, page or JSON or error, carries the page headers: the dashboard's data is
    // never framed, sniffed or cached, and writeHead below merges its own headers with these.
    for (const [name, value] of Object.entries(pageSecurityHeaders)) res.setHeader(name, value);
    (refusal === undefined ? serve(ctx) : Promise.reject(refusal)).catch((error: unknown) => {
      if (!(error instanceof PortierError)) {
        logger.error({ err: error, correlationId: ctx.correlationId }, 'admin API error');
        sendError(ctx, portierError('internal_error', {}), renderer, renderingOf(options.current().config));
        return;
      }
      sendError(ctx, error, renderer, renderingOf(options.current().config));
    });
  }
  // The same header limit as the front door; parse errors and CONNECT are answered by the gateway
  // (see create-gateway.ts), an Expect other than 100-continue here, each never Node's bare answer.
  const server = createServer({ maxHeaderSize: options.current().config.server.maxHeaderBytes }, (req, res) => handle(req, res));
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => handle(req, res, portierError('expectation_failed', {}, { headers: { Connection: 'close' } })));
  return {
    server,
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(baseUrlOf(server));
        });
      }),
  };
}

function ok(body: unknown): { status: number; body: unknown } {
  return { status: 200, body };
}

function badField(field: string, problem: string): PortierError {
  return portierError('bad_request', { reason: `"${field}" ${problem}` });
}

function text(body: JsonObject, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') throw badField(field, 'must be a non-empty string');
  return value;
}

function strings(body: JsonObject, field: string): string[] {
  const value = body[field];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw badField(field, 'must be a list of strings');
  return value as string[];
}

function oneOf<T extends string>(body: JsonObject, field: string, allowed: readonly T[]): T {
  const value = body[field];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw badField(field, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

function maintenanceChange(body: JsonObject): { enabled: boolean; message?: string; retryAfterSeconds?: number } {
  if (typeof body['enabled'] !== 'boolean') throw badField('enabled', 'must be true or false');
  const change: { enabled: boolean; message?: string; retryAfterSeconds?: number } = { enabled: body['enabled'] };
  if (body['message'] !== undefined) change.message = text(body, 'message');
  if (body['retryAfterSeconds'] !== undefined) {
    const seconds = body['retryAfterSeconds'];
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1) throw badField('retryAfterSeconds', 'must be a whole number of seconds');
    change.retryAfterSeconds = seconds;
  }
  return change;
}
