import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { AccountAdmin } from '../src/admin/account-admin.js';
import { signAccessToken } from '../src/accounts/tokens/access-token.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { waitFor } from './helpers/wait-for.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';

/**
 * Every route the gateway serves (its own compiled table), called by seven kinds of caller. A route
 * added without a case here fails the first test: least privilege has to be decided for it.
 */

const tokenSecret = 't'.repeat(32);
const allScopes = ['rows:read', 'rows:export', 'keys:manage'];

const config = {
  auth: {
    instance: 'eu1',
    maxKeysPerAccount: 200,
    store: { sqlitePath: tempDbPath() },
    accessTokens: { path: '/v1/token', secret: tokenSecret },
    keysApi: { path: '/v1/apiKeys', scopes: ['keys:manage'] },
  },
  // Counted per base: the usage route then reads a base from its query, which a bound key may name only if it is its own.
  plans: { free: { limits: [{ name: 'per-base', limit: 100_000, per: 'day', algorithm: 'fixed', by: ['account', 'param:base'] }] } },
  rateLimits: { usagePath: '/v1/usage' },
  operations: { path: '/v1/bases/:base/ops', retry: { baseDelayMs: 20, maxDelayMs: 100 } },
  upstreams: { app: { url: 'http://127.0.0.1:1' } },
  routes: [
    { id: 'rows', path: '/v1/bases/:base/rows', upstream: 'app', auth: { scopes: ['rows:read'], bindTo: 'base' } },
    { id: 'export', path: '/v1/bases/:base/export', methods: ['POST'], upstream: 'app', auth: { scopes: ['rows:export'], bindTo: 'base' }, async: {}, idempotency: {} },
    { id: 'status', path: '/v1/status', upstream: 'app' },
    { id: 'catalog', path: '/v1/catalog', upstream: 'app', auth: { required: false } },
  ],
};

const subjects = ['right', 'noScope', 'boundElsewhere', 'otherAccount', 'revoked', 'rotated', 'expiredToken'] as const;
type Subject = (typeof subjects)[number];

/** A status, or a status and the catalog code of the answer. */
type Outcome = number | readonly [number, string];

interface RouteCase {
  readonly method: string;
  /** The path to call; may create what the call needs (a key to revoke). */
  path(subject: Subject): Promise<string> | string;
  readonly body?: string;
  readonly expect: Readonly<Record<Subject, Outcome>>;
  /** Extra checks of a 2xx answer's body. */
  check?(subject: Subject, body: unknown): void;
}

let upstream: TestUpstream;
let portier: TestGateway;
let admin: AccountAdmin;
let accountA: string;
const secrets = {} as Record<Exclude<Subject, 'expiredToken'>, string>;
let expiredToken: string;
let rotatedGraceUntil: number;
let replacementId: string;
let operationId: string;

beforeAll(async () => {
  upstream = await startUpstream((req, res) => json(res, 200, { path: req.url }));
  portier = await startGateway({ ...config, upstreams: { app: { url: upstream.url } } });
  admin = adminOf(portier, config);
  accountA = (await admin.createAccount('a', 'free')).id;
  const accountB = (await admin.createAccount('b', 'free')).id;
  const key = async (accountId: string, scopes: string[], bindings: string[] = []) => admin.createKey({ accountId, name: 'k', scopes, bindings });
  const right = await key(accountA, allScopes);
  secrets.right = right.secret;
  secrets.noScope = (await key(accountA, [])).secret;
  secrets.boundElsewhere = (await key(accountA, allScopes, ['b2'])).secret;
  secrets.otherAccount = (await key(accountB, allScopes)).secret;
  const revoked = await key(accountA, allScopes);
  await admin.revokeKey(revoked.key.id);
  secrets.revoked = revoked.secret;
  const old = await key(accountA, allScopes);
  replacementId = (await admin.rotateKey(old.key.id)).key.id;
  secrets.rotated = old.secret;
  rotatedGraceUntil = Date.parse((await admin.listKeys(accountA)).find((view) => view.id === old.key.id)?.graceUntil ?? '');
  const past = Math.floor(Date.now() / 1000) - 60;
  expiredToken = signAccessToken({ sub: right.key.id, acc: accountA, iss: 'eu1', iat: past - 60, exp: past }, tokenSecret);

  const accepted = await call('right', 'POST', '/v1/bases/b1/export', '{}');
  expect(accepted.status).toBe(202);
  operationId = (accepted.body as { id: string }).id;
  const status = await waitFor(async () => ((await call('right', 'GET', `/v1/bases/b1/ops/${operationId}`)).body as { status: string }).status, {
    what: 'the export operation to leave Pending',
    until: (seen) => seen !== 'Pending',
  });
  expect(status).toBe('Success');
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

async function call(subject: Subject, method: string, path: string, body?: string): Promise<{ status: number; body: unknown; text: string }> {
  const credential = subject === 'expiredToken' ? expiredToken : secrets[subject];
  const response = await request(`${portier.url}${path}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${credential}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.body.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // HTML (the error reference) or empty (204)
  }
  return { status: response.statusCode, body: parsed, text };
}

/** A route anyone may call: the credential is not even looked at. */
function open(status: number): Readonly<Record<Subject, Outcome>> {
  return Object.fromEntries(subjects.map((subject) => [subject, status])) as Record<Subject, Outcome>;
}

/** A route that needs a key, with the answers every keyed route shares. */
function keyed(outcomes: Partial<Record<Subject, Outcome>> & { right: Outcome }): Readonly<Record<Subject, Outcome>> {
  return {
    noScope: outcomes.right,
    boundElsewhere: outcomes.right,
    otherAccount: outcomes.right,
    revoked: [403, 'key_revoked'],
    rotated: outcomes.right,
    expiredToken: [401, 'access_token_expired'],
    ...outcomes,
  };
}

/** Where only a key is accepted (keys and tokens are made there): a token is not a key. */
const tokenRefused = [401, 'credentials_malformed'] as const;

/** A key of account A that the caller tries to revoke, made fresh for each call. */
async function victimKeyPath(): Promise<string> {
  const victim = await admin.createKey({ accountId: accountA, name: 'victim', scopes: allScopes });
  return `/v1/apiKeys/${victim.key.id}`;
}

const cases: Readonly<Record<string, RouteCase>> = {
  rows: {
    method: 'GET',
    path: () => '/v1/bases/b1/rows',
    expect: keyed({ right: 200, noScope: [403, 'access_denied'], boundElsewhere: [403, 'key_not_bound'] }),
  },
  export: {
    method: 'POST',
    path: () => '/v1/bases/b1/export',
    body: '{}',
    expect: keyed({ right: 202, noScope: [403, 'access_denied'], boundElsewhere: [403, 'key_not_bound'] }),
  },
  status: { method: 'GET', path: () => '/v1/status', expect: open(200) },
  // A key is optional here, but one that is presented is checked like anywhere else.
  catalog: { method: 'GET', path: () => '/v1/catalog', expect: keyed({ right: 200 }) },
  health: { method: 'GET', path: () => '/healthz', expect: open(200) },
  ready: { method: 'GET', path: () => '/readyz', expect: open(200) },
  'error-reference': { method: 'GET', path: () => '/docs/errors', expect: open(200) },
  'error-reference-language': { method: 'GET', path: () => '/docs/errors/fr', expect: open(200) },
  'access-token': {
    method: 'GET',
    path: () => '/v1/token',
    expect: keyed({ right: 200, expiredToken: tokenRefused }),
    check(subject, body) {
      const expiresAt = Date.parse((body as { expires_at: string }).expires_at);
      if (subject === 'rotated') expect(expiresAt).toBeLessThanOrEqual(rotatedGraceUntil);
    },
  },
  'rate-limit-usage': {
    method: 'GET',
    path: () => '/v1/usage?base=b1',
    expect: keyed({ right: 200, boundElsewhere: [403, 'key_not_bound'] }),
    check(_subject, body) {
      const { limits } = body as { limits: { subject: Record<string, string> }[] };
      expect(limits.map((limit) => limit.subject['param:base'])).toEqual(['b1']);
    },
  },
  'api-keys': {
    method: 'GET',
    path: () => '/v1/apiKeys',
    expect: keyed({ right: 200, noScope: [403, 'access_denied'], expiredToken: tokenRefused }),
    check(subject, body) {
      const listed = (body as { data: { id: string; scopes: string[]; bindings: string[] }[] }).data;
      expect(listed.length).toBeGreaterThan(0);
      // A bound key sees only keys bound as narrowly; the others see every key of their own account.
      if (subject === 'boundElsewhere') for (const item of listed) expect(item.bindings).toEqual(['b2']);
      else expect(listed.some((item) => item.bindings.length === 0)).toBe(true);
      // A rotated key does not see the key that replaced it (nor revoke it: see api-key).
      const ids = listed.map((item) => item.id);
      if (subject === 'right' || subject === 'rotated') expect(ids.includes(replacementId)).toBe(subject === 'right');
    },
  },
  'api-keys:POST': {
    method: 'POST',
    path: () => '/v1/apiKeys',
    body: '{"name":"made"}',
    expect: keyed({ right: 201, noScope: [403, 'access_denied'], expiredToken: tokenRefused }),
    check(subject, body) {
      const made = body as { expiresAt: string | null; bindings: string[] };
      if (subject === 'rotated') expect(Date.parse(made.expiresAt ?? 'never')).toBeLessThanOrEqual(rotatedGraceUntil);
      else expect(made.expiresAt).toBeNull();
      expect(made.bindings).toEqual(subject === 'boundElsewhere' ? ['b2'] : []);
    },
  },
  'api-key': {
    method: 'DELETE',
    path: victimKeyPath,
    expect: keyed({
      right: 204,
      noScope: [403, 'access_denied'],
      boundElsewhere: [404, 'key_not_found'],
      otherAccount: [404, 'key_not_found'],
      // The victim is made after the rotation: a key being retired cannot revoke what came after it.
      rotated: [404, 'key_not_found'],
      expiredToken: tokenRefused,
    }),
  },
  'api-key-rotate': {
    method: 'POST',
    path: async () => `${await victimKeyPath()}/rotate`,
    expect: keyed({
      right: 201,
      noScope: [403, 'access_denied'],
      boundElsewhere: [404, 'key_not_found'],
      otherAccount: [404, 'key_not_found'],
      // As for revoking: a key being retired does not see, so cannot rotate, what came after it.
      rotated: [404, 'key_not_found'],
      expiredToken: tokenRefused,
    }),
  },
  'operations-list': {
    method: 'GET',
    path: () => '/v1/bases/b1/ops',
    expect: keyed({ right: 200 }),
    check(subject, body) {
      const ids = (body as { data: { id: string }[] }).data.map((item) => item.id);
      // Listed only for keys that could have created it: the export scope, bound to b1 or to nothing.
      expect(ids.includes(operationId)).toBe(subject === 'right' || subject === 'rotated');
    },
  },
  operation: {
    method: 'GET',
    path: () => `/v1/bases/b1/ops/${operationId}`,
    expect: keyed({ right: 200, noScope: [403, 'access_denied'], boundElsewhere: [403, 'key_not_bound'], otherAccount: [404, 'operation_not_found'] }),
  },
  'operation-result': {
    method: 'GET',
    path: () => `/v1/bases/b1/ops/${operationId}/result`,
    expect: keyed({ right: 200, noScope: [403, 'access_denied'], boundElsewhere: [403, 'key_not_bound'], otherAccount: [404, 'operation_not_found'] }),
    check(_subject, body) {
      expect(body).toEqual({ path: '/v1/bases/b1/export' });
    },
  },
};

/** The case of one route and method: `id` for a route's only (or GET) method, `id:METHOD` for the others. */
function caseNames(): string[] {
  return portier.gateway.routes.flatMap((route) => route.methods.map((method, index) => (index === 0 ? route.id : `${route.id}:${method}`)));
}

describe('authorization matrix', () => {
  it('authorization matrix: has a case for every route and method the gateway serves, and none for a route it does not', () => {
    expect(caseNames().sort()).toEqual(Object.keys(cases).sort());
  });

  for (const name of Object.keys(cases)) {
    for (const subject of subjects) {
      it(`authorization matrix: ${name} answers the ${subject} caller as catalogued`, async () => {
        const routeCase = cases[name] as RouteCase;
        const path = await routeCase.path(subject);
        const answer = await call(subject, routeCase.method, path, routeCase.body);
        const expected = routeCase.expect[subject];
        const [status, code] = typeof expected === 'number' ? [expected, undefined] : expected;
        expect(answer.status, answer.text).toBe(status);
        if (code !== undefined) expect((answer.body as { code?: string }).code).toBe(code);
        if (status < 300) routeCase.check?.(subject, answer.body);
      });
    }
  }
});
