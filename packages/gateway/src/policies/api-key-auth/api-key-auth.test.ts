import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { configOf, policyContext } from '../../../test/helpers/policy-context.js';
import { tempDbPath } from '../../../test/helpers/accounts.js';
import { KeyDirectory } from '../../accounts/key-directory.js';
import { crc32 } from 'node:zlib';
import { toBase62 } from '../../accounts/keys/base62.js';
import { generateKey } from '../../accounts/keys/key-format.js';
import { signAccessToken } from '../../accounts/tokens/access-token.js';
import { SqliteAccountStore } from '../../accounts/store/sqlite-account-store.js';
import { AccountAdmin } from '../../admin/account-admin.js';
import type { AuthConfig, PortierConfig } from '../../config/config-types.js';
import { configuredSpec } from '../../pipeline/compile-routes.js';
import { PortierError } from '../../errors/portier-error.js';
import { alternatives, phrase } from '../../errors/param-phrases.js';
import { hashKey, keyMatchesHash } from '../../accounts/keys/hash-key.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import { apiKeyAuthStage } from './index.js';
import { credentialRules, extractCredential } from './extract-credential.js';
import { Tracing } from '../../tracing/tracing.js';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

const secret = 'a-token-secret-of-at-least-32-characters';
const clock = { value: Date.UTC(2026, 11, 2, 12, 0, 0), now: () => clock.value };

const config = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
auth:
  instance: eu1
  instances: { us1: 'https://us1.example.com' }
  schemes: [bearer, basic, header]
  header: X-Api-Key
  accessTokens: { path: /token, secret: '${secret}' }
  store: { sqlitePath: ':memory:' }
plans: { pro: {} }
routes:
  - { id: rows, path: /rows, upstream: app, auth: {} }
  - { id: maybe, path: /maybe, upstream: app, auth: { required: false } }
  - { id: public, path: /public, upstream: app }
`) as PortierConfig & { auth: AuthConfig };

const auth = config.auth;
const store = new SqliteAccountStore(tempDbPath(), clock);
const admin = new AccountAdmin(store, config, 'test');
const directory = new KeyDirectory(store, clock, pino({ level: 'silent' }), auth.keyCache);
const rules = credentialRules(auth.schemes, auth.header);
const expected = rules.expected;
afterAll(async () => {
  await directory.close();
  store.close();
});

function settingsFor(routeId: string, from: PortierConfig = config) {
  const route = from.routes.find((candidate) => candidate.id === routeId);
  if (route === undefined) throw new Error(routeId);
  return apiKeyAuthStage.settingsOf(configuredSpec(route, from), from);
}

async function authenticate(headers: Record<string, string>, routeId = 'rows', acceptTokens = true): Promise<{ decision: unknown; ctx: RequestContext }> {
  const settings = settingsFor(routeId);
  if (settings === undefined) throw new Error('the route has auth');
  const policy = apiKeyAuthStage.create({ ...settings, acceptTokens }, { auth, rules, directory, clock });
  const ctx = policyContext({ headers });
  return { decision: await policy.handle(ctx), ctx };
}

function refusal(decision: unknown): PortierError {
  expect(decision).toBeInstanceOf(PortierError);
  return decision as PortierError;
}

async function newKey(expiresAt?: number) {
  const account = await admin.createAccount('acme', 'pro');
  const { key, secret: value } = await admin.createKey(expiresAt === undefined ? { accountId: account.id, name: 'k' } : { accountId: account.id, name: 'k', expiresAt });
  return { account, keyId: key.id, value };
}

function token(claims: { sub: string; acc: string }, expiresInSeconds = 600, iss = 'eu1'): string {
  const iat = Math.floor(clock.value / 1000);
  return signAccessToken({ ...claims, iss, iat, exp: iat + expiresInSeconds }, secret);
}

describe('api-key-auth policy', () => {
  it('api-key-auth: is left out of a route without auth or when there is no auth section', () => {
    expect(settingsFor('public')).toBeUndefined();
    const withoutAuth = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
routes: [{ id: rows, path: /rows, upstream: app }]
`);
    const route = { ...(withoutAuth.routes[0] as (typeof withoutAuth.routes)[number]), auth: { required: true, scopes: [] } };
    expect(apiKeyAuthStage.settingsOf(configuredSpec(route, withoutAuth), withoutAuth)).toBeUndefined();
    expect(settingsFor('rows')).toEqual({ routeAuth: { required: true, scopes: [] }, acceptTokens: true });
    const rows = configuredSpec(config.routes[0] as never, config);
    expect(apiKeyAuthStage.settingsOf({ ...rows, keyed: { acceptTokens: false, plan: true, limits: true } }, config)?.acceptTokens).toBe(false);
  });

  it('api-key-auth: codes add wrong_instance, account_store_unavailable and access_token_expired only where they can happen', () => {
    const base = ['authentication_required', 'credentials_malformed', 'invalid_token', 'key_expired'];
    const settings = settingsFor('rows') as NonNullable<ReturnType<typeof settingsFor>>;
    expect(apiKeyAuthStage.codes(settings, config)).toEqual([...base, 'wrong_instance', 'account_store_busy', 'access_token_expired']);
    expect(apiKeyAuthStage.codes({ ...settings, acceptTokens: false }, config)).toEqual([...base, 'wrong_instance', 'account_store_busy']);
    const bare = { ...config, auth: { ...auth, instances: {}, accessTokens: undefined, store: { ...auth.store, postgres: { url: 'postgres://x' } } } } as unknown as PortierConfig;
    expect(apiKeyAuthStage.codes(settings, bare)).toEqual([...base, 'account_store_unavailable', 'account_store_busy']);
  });

  it('api-key-auth: a valid key is admitted, leaving the entry on ctx and the account and key ids for the upstream', async () => {
    const { account, keyId, value } = await newKey();
    for (const headers of [{ authorization: `Bearer ${value}` }, { authorization: `basic ${Buffer.from(`${value}:`).toString('base64')}` }, { authorization: `Basic ${Buffer.from(value).toString('base64')}` }, { 'x-api-key': ` ${value} ` }]) {
      const { decision, ctx } = await authenticate(headers);
      expect(decision, JSON.stringify(headers)).toBeUndefined();
      expect(ctx.auth?.account.id).toBe(account.id);
      expect(ctx.auth?.key.id).toBe(keyId);
      expect(ctx.forwardHeaders).toEqual(['x-portier-account-id', account.id, 'x-portier-key-id', keyId]);
    }
    expect(directory.stats().pendingUses).toBeGreaterThan(0);
  });

  it('api-key-auth: no credential is 401 authentication_required saying how to send one, unless the key is optional', async () => {
    for (const headers of [{}, { authorization: '  ' }, { 'x-api-key': '' }]) {
      const error = refusal((await authenticate(headers)).decision);
      expect(error.code).toBe('authentication_required');
      expect(error.status).toBe(401);
      expect(error.params).toEqual({ expected });
    }
    const { decision, ctx } = await authenticate({}, 'maybe');
    expect(decision).toBeUndefined();
    expect(ctx.auth).toBeUndefined();
    expect(ctx.forwardHeaders).toEqual([]);
  });

  it('api-key-auth: a badly sent credential is 401 credentials_malformed with a hint, even where the key is optional', async () => {
    const { value } = await newKey();
    const cases: [Record<string, string>, string][] = [
      [{ authorization: value }, phrase('schemeMissing')],
      [{ authorization: `Key\u0001${'x'.repeat(30)} ${value}` }, phrase('schemeUnknown', { scheme: `Key?${'x'.repeat(16)}` })],
      [{ authorization: `Token ${value}` }, phrase('schemeNotAccepted', { scheme: 'Token' })],
      // Only the scheme is echoed, never what follows it (the key).
      [{ authorization: `Key ${value}` }, phrase('schemeUnknown', { scheme: 'Key' })],
      [{ authorization: 'Basic not base64!' }, phrase('basicNotBase64')],
      [{ authorization: `Bearer "${value}"` }, phrase('keyQuoted')],
      [{ authorization: `Bearer '${value}` }, phrase('keyQuoted')],
      [{ authorization: `Bearer ${value}\`` }, phrase('keyQuoted')],
      [{ authorization: `Bearer ${value} extra` }, phrase('keyHasSpaces')],
      [{ authorization: `Basic ${Buffer.from(':').toString('base64')}` }, phrase('keyEmpty')],
      [{ authorization: 'Bearer sk_live_123' }, phrase('notOurKey')],
      [{ authorization: 'Bearer pt_live_eu1' }, phrase('keyMangled')],
      [{ authorization: `Bearer ${value.slice(0, -1)}` }, phrase('keyCutShort')],
      [{ authorization: `Bearer ${value}A` }, phrase('keyTooLong')],
      [{ authorization: `Bearer ${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}` }, phrase('checksumMismatch')],
    ];
    for (const [headers, hint] of cases) {
      const error = refusal((await authenticate(headers, 'maybe')).decision);
      expect(error.code, JSON.stringify(headers)).toBe('credentials_malformed');
      expect(error.params, JSON.stringify(headers)).toEqual({ hint, expected });
    }
  });

  it('api-key-auth: a key of another instance is 401 wrong_instance with its URL, or a phrase for an unknown instance', async () => {
    const us = generateKey({ environment: 'live', instance: 'us1' }).secret;
    expect(refusal((await authenticate({ authorization: `Bearer ${us}` })).decision).params).toEqual({ instance: 'us1', url: 'https://us1.example.com' });
    const ap = generateKey({ environment: 'live', instance: 'ap1' }).secret;
    expect(refusal((await authenticate({ authorization: `Bearer ${ap}` })).decision).params).toEqual({ instance: 'ap1', url: phrase('instanceAddress', { instance: 'ap1' }) });
  });

  it('api-key-auth: a key of the other environment is credentials_malformed naming both', async () => {
    const test = generateKey({ environment: 'test', instance: 'eu1' }).secret;
    const error = refusal((await authenticate({ authorization: `Bearer ${test}` })).decision);
    expect(error.params).toEqual({ hint: phrase('wrongEnvironment', { environment: 'test', accepted: 'live' }), expected });
  });

  it('api-key-auth: an unknown key, or a known id with another secret, is 401 invalid_token', async () => {
    const unknown = generateKey({ environment: 'live', instance: 'eu1' }).secret;
    expect(refusal((await authenticate({ authorization: `Bearer ${unknown}` })).decision).code).toBe('invalid_token');
    const { value } = await newKey();
    expect((await authenticate({ authorization: `Bearer ${value}` })).decision).toBeUndefined();
    // The same id with another secret and a valid checksum: found by its id, refused by its hash.
    const prefix = value.slice(0, 'pt_live_eu1_'.length + 8);
    const body = `${prefix}${'Z'.repeat(24)}`;
    const sameId = body + toBase62(crc32(body), 6);
    const error = refusal((await authenticate({ authorization: `Bearer ${sameId}` })).decision);
    expect(error.code).toBe('invalid_token');
    expect(error.params).toEqual({});
  });

  it('api-key-auth: a key past its expiry is 401 key_expired with the date', async () => {
    const { value } = await newKey(clock.value + 1000);
    expect((await authenticate({ authorization: `Bearer ${value}` })).decision).toBeUndefined();
    clock.value += 1000;
    const error = refusal((await authenticate({ authorization: `Bearer ${value}` })).decision);
    expect(error.code).toBe('key_expired');
    expect(error.params).toEqual({ expiredAt: new Date(clock.value).toISOString() });
  });

  it('api-key-auth: an access token stands for its key, and is refused when expired, forged, of another account or where tokens are not accepted', async () => {
    const { account, keyId } = await newKey();
    const good = token({ sub: keyId, acc: account.id });
    const { decision, ctx } = await authenticate({ authorization: `Bearer ${good}` });
    expect(decision).toBeUndefined();
    expect(ctx.auth?.key.id).toBe(keyId);
    expect(ctx.forwardHeaders).toEqual(['x-portier-account-id', account.id, 'x-portier-key-id', keyId]);
    const expired = token({ sub: keyId, acc: account.id }, -1);
    const late = refusal((await authenticate({ authorization: `Bearer ${expired}` })).decision);
    expect(late.code).toBe('access_token_expired');
    expect(late.params).toEqual({ expiredAt: new Date((Math.floor(clock.value / 1000) - 1) * 1000).toISOString() });
    expect(refusal((await authenticate({ authorization: `Bearer ${good.slice(0, -2)}xx` })).decision).code).toBe('invalid_token');
    expect(refusal((await authenticate({ authorization: `Bearer ${token({ sub: keyId, acc: 'acc_other' })}` })).decision).code).toBe('invalid_token');
    expect(refusal((await authenticate({ authorization: `Bearer ${token({ sub: 'nokey123', acc: account.id })}` })).decision).code).toBe('invalid_token');
    expect(refusal((await authenticate({ authorization: `Bearer ${token({ sub: keyId, acc: account.id }, 600, 'us1')}` })).decision).code).toBe('invalid_token');
    // Without tokens, a JWT is read as a key, which it is not.
    const asKey = refusal((await authenticate({ authorization: `Bearer ${good}` }, 'rows', false)).decision);
    expect(asKey.code).toBe('credentials_malformed');
    expect(asKey.params).toEqual({ hint: phrase('notOurKey'), expected });
  });

  it('api-key-auth: the key is read from the configured header only where that scheme is accepted, and around surrounding spaces', async () => {
    const { value } = await newKey();
    const bearerOnly = credentialRules(['bearer'], 'X-Api-Key');
    expect(extractCredential({ 'x-api-key': value }, bearerOnly)).toEqual({ kind: 'none' });
    expect(extractCredential({ 'x-api-key': value }, rules)).toEqual({ kind: 'key', value });
    expect(extractCredential({ authorization: `  Bearer ${value}  ` }, rules)).toEqual({ kind: 'key', value });
    expect((await authenticate({ 'x-api-key': ` ${value} ` })).decision).toBeUndefined();
    // Node hands header names over in lower case, whatever case the config spells them in.
    expect(extractCredential({ 'x-api-key': value }, credentialRules(['header'], 'X-API-Key'))).toEqual({ kind: 'key', value });
  });

  it('api-key-auth: the refusal says every way of sending the key that this deployment accepts', () => {
    expect(credentialRules(['bearer'], 'X-Api-Key').expected).toBe(alternatives(['`Authorization: Bearer <key>`']));
    expect(credentialRules(['token', 'basic', 'header'], 'X-Api-Key').expected).toBe(
      alternatives(['`Authorization: Token <key>`', '`Authorization: Basic <base64 of the key>`', '`X-Api-Key: <key>`']),
    );
    expect(alternatives(['a', 'b'])).not.toBe(alternatives(['a']));
  });

  it('api-key-auth: a stored hash of another length is a mismatch, not an exception', async () => {
    const { value } = await newKey();
    expect(keyMatchesHash(value, Buffer.alloc(31))).toBe(false);
    expect(keyMatchesHash(value, hashKey(value))).toBe(true);
    // The right hash with a byte more is not the right hash.
    expect(keyMatchesHash(value, Buffer.concat([hashKey(value), Buffer.from([0])]))).toBe(false);
  });

  it('api-key-auth: a stored hash that differs in any one byte, by any bit, is a mismatch', async () => {
    const { value } = await newKey();
    const stored = hashKey(value);
    expect(stored.length).toBe(32);
    for (let at = 0; at < stored.length; at++) {
      for (const bit of [0x01, 0x80]) {
        const changed = Buffer.from(stored);
        changed[at] = (changed[at] as number) ^ bit;
        expect(keyMatchesHash(value, changed)).toBe(false);
      }
    }
  });

  it('api-key-auth: a key lookup the cache cannot answer is a store span saying the store kind and whether the key was found, never the key', async () => {
    const spans: ReadableSpan[] = [];
    const exporter: SpanExporter = {
      export: (batch, done) => {
        spans.push(...batch);
        done({ code: 0 });
      },
      shutdown: async () => undefined,
    };
    const tracing = new Tracing({ ...config.tracing, enabled: true, sampleRatio: 1 }, pino({ level: 'silent' }), exporter);
    const { value } = await newKey();
    const unknown = generateKey({ environment: 'live', instance: 'eu1' }).secret;
    const postgresAuth = { ...auth, store: { postgres: { url: 'postgres://unused' } } } as unknown as AuthConfig;
    const cases: [AuthConfig, string][] = [
      [auth, value],
      [postgresAuth, unknown],
    ];
    for (const [settingsAuth, presented] of cases) {
      directory.invalidate();
      const policy = apiKeyAuthStage.create({ ...(settingsFor('rows') as object), acceptTokens: true } as never, { auth: settingsAuth, rules, directory, clock });
      expect(policy.name).toBe('api-key-auth');
      const ctx = policyContext({ headers: { authorization: `Bearer ${presented}` } });
      ctx.trace = tracing.startRequest(ctx.req);
      await policy.handle(ctx);
      ctx.trace.span.end();
    }
    await tracing.shutdown();
    const lookups = spans.filter((span) => span.name === 'key lookup').map((span) => span.attributes);
    expect(lookups).toEqual([
      { 'db.system.name': 'sqlite', 'db.operation.name': 'SELECT', 'portier.key.found': true },
      { 'db.system.name': 'postgresql', 'db.operation.name': 'SELECT', 'portier.key.found': false },
    ]);
    expect(JSON.stringify(spans.map((span) => span.attributes))).not.toContain(value.slice(12));
  });

  it('api-key-auth: config check wants the auth section for route auth', () => {
    const withoutAuth = { ...config, auth: undefined } as unknown as PortierConfig;
    const problems: string[] = [];
    apiKeyAuthStage.checkRoute?.(config.routes[0] as never, 0, withoutAuth, (path, message) => problems.push(`${path.join('.')}: ${message}`));
    apiKeyAuthStage.checkRoute?.(config.routes[0] as never, 0, config, (path, message) => problems.push(`${path.join('.')}: ${message}`));
    apiKeyAuthStage.checkRoute?.(config.routes[2] as never, 2, withoutAuth, (path, message) => problems.push(`${path.join('.')}: ${message}`));
    expect(problems).toEqual(['routes.0.auth: route auth needs the top-level `auth` section']);
    expect(() => apiKeyAuthStage.create(settingsFor('rows') as never, undefined)).toThrow(/key directory/);
  });
});
