import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { randomBase62, toBase62 } from '../src/accounts/keys/base62.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';

// Key ids are public (listings, logs, the display form `pt_live_eu1_<id>…`) and the checksum is a plain
// CRC-32 anyone can recompute, so "a well-formed key with a known id" proves nothing: only the secret's
// hash may decide. Each forgery below is well formed, carries a real key id and a valid checksum.

const idLength = 8;
const secretLength = 24;

/** A key with the given key's prefix and id, another secret, and a checksum that matches. */
function forge(realKey: string, secret = randomBase62(secretLength)): string {
  const prefixEnd = realKey.lastIndexOf('_') + 1;
  const id = realKey.slice(prefixEnd, prefixEnd + idLength);
  const body = `${realKey.slice(0, prefixEnd)}${id}${secret}`;
  return body + toBase62(crc32(body), 6);
}

let upstream: TestUpstream;
let portier: TestGateway;
let config: Record<string, unknown>;

beforeAll(async () => {
  upstream = await startUpstream((req, res) => json(res, 200, { key: req.headers['x-portier-key-id'] ?? null }));
  config = {
    auth: { instance: 'eu1', schemes: ['bearer', 'basic'], store: { sqlitePath: tempDbPath() } },
    plans: { free: {} },
    upstreams: { app: { url: upstream.url } },
    routes: [{ id: 'rows', path: '/v1/rows', upstream: 'app', auth: { scopes: [] } }],
  };
  portier = await startGateway(config);
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

async function issueKey(): Promise<{ secret: string; keyId: string }> {
  const admin = adminOf(portier, config);
  const account = await admin.createAccount(`forged-${Math.random()}`, 'free');
  const issued = await admin.createKey({ accountId: account.id, name: 'real', scopes: [] });
  return { secret: issued.secret, keyId: issued.key.id };
}

function call(authorization: string) {
  return request(`${portier.url}/v1/rows`, { headers: { authorization } });
}

describe('forged keys', () => {
  it('api-key-auth: refuses a forged key (real id, other secret, valid checksum) before its key was ever used', async () => {
    const { secret } = await issueKey();
    const forged = forge(secret);
    expect(forged).not.toBe(secret);
    const body = await expectProblem(await call(`Bearer ${forged}`), 401, 'invalid_token');
    expect(JSON.stringify(body)).not.toContain(forged);
    // The real key still works afterwards: the forgery left nothing behind in the cache.
    const real = await call(`Bearer ${secret}`);
    expect(real.statusCode).toBe(200);
    await real.body.dump();
  });

  it('api-key-auth: refuses a forged key while the real key is cached', async () => {
    const { secret, keyId } = await issueKey();
    const warm = await call(`Bearer ${secret}`);
    expect(await warm.body.json()).toEqual({ key: keyId });
    await expectProblem(await call(`Bearer ${forge(secret)}`), 401, 'invalid_token');
    await expectProblem(await call(`Basic ${Buffer.from(`${forge(secret)}:`).toString('base64')}`), 401, 'invalid_token');
  });

  it('api-key-auth: refuses a forged key that differs from the real secret in one character only', async () => {
    const { secret } = await issueKey();
    const prefixEnd = secret.lastIndexOf('_') + 1;
    const realSecret = secret.slice(prefixEnd + idLength, prefixEnd + idLength + secretLength);
    const last = realSecret.at(-1) === 'a' ? 'b' : 'a';
    const forged = forge(secret, realSecret.slice(0, -1) + last);
    await expectProblem(await call(`Bearer ${forged}`), 401, 'invalid_token');
    const real = await call(`Bearer ${secret}`);
    expect(real.statusCode).toBe(200);
    await real.body.dump();
  });

  it('api-key-auth: never forwards a forged request upstream', async () => {
    const { secret } = await issueKey();
    const before = upstream.seen.length;
    for (let i = 0; i < 5; i++) await (await call(`Bearer ${forge(secret)}`)).body.dump();
    expect(upstream.seen.length).toBe(before);
  });
});
