import type { Clock } from '../clock.js';
import type { AuthConfig, PortierConfig } from '../config/config-types.js';
import { AccountAdmin, type KeyView } from '../admin/account-admin.js';
import type { KeyDirectory } from '../accounts/key-directory.js';
import { visibleKeys } from '../accounts/keys-api/keys-api-terminal.js';
import { issueAccessToken } from '../accounts/tokens/token-exchange-terminal.js';
import { catalog, type ErrorCode } from '../errors/catalog.js';
import { localizerOf } from '../errors/localizer-of.js';
import { shippedTexts } from '../errors/localizer.js';
import { portierError } from '../errors/portier-error.js';
import { loadPageAssets, pageSecurityHeaders } from '../pages/page-assets.js';
import type { Decision, Terminal } from '../pipeline/policy.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { sendJson } from '../pipeline/send-json.js';
import { describeUsage } from '../policies/rate-limit/describe-usage.js';
import type { CounterBackend } from '../policies/rate-limit/shared-counters.js';
import type { BuiltInRouteId } from '../routes/built-in-routes.js';
import type { RecentError, UsageReader } from '../usage/usage-types.js';
import { portalLanguageOf, portalLanguages } from './portal-language.js';

type Tokens = NonNullable<AuthConfig['accessTokens']>;

export interface PortalDependencies {
  readonly config: PortierConfig;
  readonly auth: AuthConfig;
  readonly tokens: Tokens;
  readonly portal: NonNullable<PortierConfig['portal']>;
  readonly directory: KeyDirectory;
  readonly counters: CounterBackend;
  readonly clock: Clock;
  /** Usage metering; without it the portal lists no recent errors. */
  readonly usage: UsageReader | undefined;
}

export type PortalTerminals = Readonly<Record<Extract<BuiltInRouteId, `portal-${string}`>, Terminal>>;

/**
 * The key holders' portal: its page and the JSON behind it. Every JSON answer is about the caller's
 * own account only (`ctx.auth`, set by the key stages from the key or the portal's token); key changes
 * are not here: the page sends them to the keys API with the key itself.
 */
export function createPortalTerminals(deps: PortalDependencies): PortalTerminals {
  const { config, auth, tokens, portal, directory, counters, clock, usage } = deps;
  const correlationHeader = config.correlation.header;
  const base = portal.path === '/' ? '' : portal.path;
  const assets = loadPageAssets('portal');
  const localizer = localizerOf(config);
  const sessionSeconds = Math.min(portal.sessionSeconds, tokens.ttlSeconds);
  const admin = (ctx: RequestContext): AccountAdmin => new AccountAdmin(directory.store, { ...config, auth }, `key:${caller(ctx).key.id}`, () => directory.invalidate());

  // What the page needs before it has a key: how to send one, where the keys API is. No secret in it.
  const settings = Buffer.from(
    JSON.stringify({
      credential: { schemes: auth.schemes, header: auth.header },
      correlationHeader,
      sessionSeconds,
      keysApi: auth.keysApi === undefined ? null : { path: auth.keysApi.path, rotationGraceSeconds: auth.rotationGraceSeconds, secretMember: secretMemberOf(auth.keysApi.key) },
      languages: portalLanguages,
    }),
  );

  function sendAsset(ctx: RequestContext, name: string): Decision {
    if (name === 'settings.json') return json(ctx, 200, JSON.parse(settings.toString()) as unknown);
    // `strings.json` is the language Accept-Language picks; `strings-<lang>.json` one language (the switcher).
    const language = name === 'strings.json' ? portalLanguageOf(single(ctx.req.headers['accept-language'])) : undefined;
    const asset = assets.get(language === undefined ? name : `strings-${language}.json`);
    if (asset === undefined || name === 'index.html') return portierError('not_found', { method: ctx.req.method ?? 'GET', path: ctx.path });
    const headers = [...flatPageHeaders, 'content-type', asset.contentType, 'content-length', String(asset.body.length), correlationHeader, ctx.correlationId];
    if (language !== undefined) headers.push('content-language', language, 'vary', 'Accept-Language');
    ctx.res.writeHead(200, headers);
    ctx.res.end(ctx.req.method === 'HEAD' ? undefined : asset.body);
    return undefined;
  }

  const json = (ctx: RequestContext, status: number, body: unknown): Decision => {
    sendJson(ctx, status, JSON.stringify(body), correlationHeader);
    return undefined;
  };

  return {
    'portal-home': {
      name: 'portal-home',
      handle(ctx) {
        ctx.res.writeHead(302, [...flatPageHeaders, 'location', `${base}/`, 'content-length', '0', correlationHeader, ctx.correlationId]);
        ctx.res.end();
        return Promise.resolve(undefined);
      },
    },
    'portal-page': { name: 'portal-page', handle: (ctx) => Promise.resolve(sendIndex(ctx)) },
    'portal-asset': { name: 'portal-asset', handle: (ctx) => Promise.resolve(sendAsset(ctx, ctx.params['file'] ?? '')) },
    'portal-session': {
      name: 'portal-session',
      handle(ctx) {
        const entry = caller(ctx);
        const { token, exp } = issueAccessToken(entry, auth, tokens, clock.now(), sessionSeconds);
        return Promise.resolve(json(ctx, 200, { token, expiresAt: new Date(exp * 1000).toISOString() }));
      },
    },
    'portal-account': {
      name: 'portal-account',
      async handle(ctx) {
        const { key, account } = caller(ctx);
        const limits = await describeUsage(config, counters, { account, keyIds: [key.id], params: {}, ip: ctx.req.socket.remoteAddress }, clock.now());
        return json(ctx, 200, {
          account: { id: account.id, name: account.name, plan: account.plan, status: account.status },
          key: { id: key.id, name: key.name, scopes: key.scopes, bindings: key.bindings, expiresAt: isoOrNull(key.expiresAt) },
          limits,
        });
      },
    },
    'portal-keys': {
      name: 'portal-keys',
      async handle(ctx) {
        const { key: self, account } = caller(ctx);
        const keys = await visibleKeys(admin(ctx), account.id, self);
        return json(ctx, 200, { keys: keys.map((key) => keyOf(key, self.id)) });
      },
    },
    'portal-errors': {
      name: 'portal-errors',
      async handle(ctx) {
        const { account } = caller(ctx);
        const query = new URL(ctx.req.url ?? '/', 'http://portier').searchParams;
        const correlationId = query.get('correlationId') ?? undefined;
        const language = portalLanguageOf(query.get('lang') ?? single(ctx.req.headers['accept-language']));
        const found = usage === undefined ? [] : await usage.recentErrors({ account: account.id, limit: portal.recentErrors, ...(correlationId === undefined ? {} : { correlationId }) });
        // The reader is asked for this account only; anything else it might hand back is not shown.
        const own = found.filter((error) => error.account === account.id && (correlationId === undefined || error.correlationId === correlationId));
        if (correlationId !== undefined && own.length === 0) return portierError('error_record_not_found', { correlationId });
        return json(ctx, 200, { errors: own.map((error) => errorOf(error, language)) });
      },
    },
  };

  function sendIndex(ctx: RequestContext): Decision {
    const asset = assets.get('index.html');
    if (asset === undefined) throw new Error('pages/portal/index.html is missing from the package');
    ctx.res.writeHead(200, [...flatPageHeaders, 'content-type', asset.contentType, 'content-length', String(asset.body.length), correlationHeader, ctx.correlationId]);
    ctx.res.end(ctx.req.method === 'HEAD' ? undefined : asset.body);
    return undefined;
  }

  /** A recent error with its catalog texts in the caller's language (the operator's texts where the deployment offers that language). */
  function errorOf(error: RecentError, language: string): Record<string, unknown> {
    const code = error.code in catalog ? (error.code as ErrorCode) : undefined;
    const texts = code === undefined ? undefined : localizer.languages.includes(language) ? localizer.textsOf(code, language) : shippedTexts(code, language);
    return {
      at: new Date(error.at).toISOString(),
      correlationId: error.correlationId,
      keyId: error.keyId,
      route: error.route,
      method: error.method,
      path: error.path,
      status: error.status,
      code: error.code,
      title: texts?.title ?? null,
      meaning: texts?.meaning ?? null,
      troubleshooting: texts?.troubleshooting ?? [],
    };
  }
}

/** The page headers as flat pairs, cache-control included (each answer here writes its own head). */
const flatPageHeaders: readonly string[] = Object.entries(pageSecurityHeaders).flat();

/** The top-level member of the keys API's key template that carries the new secret (`key` by default, Codat's `apiKey`). */
function secretMemberOf(template: Readonly<Record<string, unknown>>): string | null {
  const found = Object.entries(template).find(([, value]) => value === '{secret}' || value === '{secret?}');
  return found === undefined ? null : found[0];
}

function keyOf(key: KeyView, selfId: string): Record<string, unknown> {
  return {
    id: key.id,
    name: key.name,
    display: key.display,
    scopes: key.scopes,
    bindings: key.bindings,
    status: key.status,
    createdAt: key.createdAt,
    lastUsedAt: key.lastUsedAt,
    expiresAt: key.expiresAt,
    graceUntil: key.graceUntil,
    current: key.id === selfId,
  };
}

function caller(ctx: RequestContext): NonNullable<RequestContext['auth']> {
  if (ctx.auth === undefined) throw new Error('the portal\'s JSON runs after api-key-auth');
  return ctx.auth;
}

function isoOrNull(epochMs: number | undefined): string | null {
  return epochMs === undefined ? null : new Date(epochMs).toISOString();
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
