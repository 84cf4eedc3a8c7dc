import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { waitFor } from './helpers/wait-for.js';
import { startUpstream, type TestUpstream } from './helpers/upstream.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';
import { sendRaw } from './helpers/raw-http.js';

/**
 * A stored answer (idempotent replay, an operation's `/result`) goes out with the headers of the
 * exchange under way, once each: the upstream's cookies, CORS and rate-limit state stay behind.
 */
const origin = 'https://app.example.com';
let upstream: TestUpstream;
let portier: TestGateway;
let secret: string;

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    const body = JSON.stringify({ ok: true, path: req.url });
    res.writeHead(201, [
      'content-type', 'application/json',
      'content-length', String(Buffer.byteLength(body)),
      'set-cookie', 'session=upstream-secret; HttpOnly',
      'access-control-allow-origin', '*',
      'vary', 'Accept',
      'x-correlation-id', 'upstream-own-id',
      'x-ratelimit-remaining', '7',
      'etag', '"v1"',
    ]);
    res.end(body);
  });
  const config = {
    cors: { origins: [origin] },
    auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
    plans: { free: { limits: [{ name: 'day', limit: 1000, per: 'day', algorithm: 'fixed' }] } },
    operations: { path: '/ops' },
    upstreams: { app: { url: upstream.url } },
    routes: [
      { id: 'pay', path: '/pay', methods: ['POST'], upstream: 'app', auth: {}, idempotency: {} },
      { id: 'export', path: '/export', methods: ['POST'], upstream: 'app', auth: {}, async: {} },
    ],
  };
  portier = await startGateway(config);
  const admin = adminOf(portier, config);
  const account = await admin.createAccount('a', 'free');
  secret = (await admin.createKey({ accountId: account.id, name: 'k' })).secret;
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

/** Header lines of a raw answer, counted by lower-case name. */
function headerCounts(raw: string): Map<string, number> {
  const head = raw.split('\r\n\r\n')[0] ?? '';
  const counts = new Map<string, number>();
  for (const line of head.split('\r\n').slice(1)) {
    const name = line.slice(0, line.indexOf(':')).toLowerCase();
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

function rawGet(path: string, extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${secret}\r\nOrigin: ${origin}\r\n${extra}Connection: close\r\n\r\n`;
}

function expectOnceEach(counts: Map<string, number>): void {
  for (const [name, count] of counts) expect(count, `${name} sent ${count} times`).toBe(1);
}

describe('replayed answers', () => {
  it('idempotency: a replay sends CORS, vary, rate-limit, correlation and date headers once each, and no upstream cookie', async () => {
    const body = '{"amount":10}';
    const post = (): string =>
      `POST /pay HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${secret}\r\nOrigin: ${origin}\r\nIdempotency-Key: replay-1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
    const first = await sendRaw(portier.url, post());
    expect(first.status).toBe(201);
    const replay = await sendRaw(portier.url, post());
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const counts = headerCounts(replay.raw);
    expectOnceEach(counts);
    expect(counts.has('set-cookie')).toBe(false);
    expect(replay.headers['access-control-allow-origin']).toBe(origin);
    expect(replay.headers['vary']).toBe('Origin');
    expect(replay.headers['etag']).toBe('"v1"');
    expect(replay.headers['x-correlation-id']).not.toBe('upstream-own-id');
    expect(counts.get('ratelimit')).toBe(1);
  });

  it('operations: /result replays the upstream answer without its cookie, CORS or correlation headers, each fresh header once', async () => {
    const accepted = await request(`${portier.url}/export`, { method: 'POST', headers: { authorization: `Bearer ${secret}` }, body: '{}' });
    expect(accepted.statusCode).toBe(202);
    const location = String(accepted.headers['location']);
    await accepted.body.dump();
    const status = await waitFor(
      async () => {
        const shown = await request(`${portier.url}${location}`, { headers: { authorization: `Bearer ${secret}` } });
        return ((await shown.body.json()) as { status: string }).status;
      },
      { what: 'the operation to leave Pending', until: (seen) => seen !== 'Pending' },
    );
    expect(status).toBe('Success');
    const result = await sendRaw(portier.url, rawGet(`${location}/result`));
    expect(result.status).toBe(201);
    expect(JSON.parse(result.body)).toEqual({ ok: true, path: '/export' });
    const counts = headerCounts(result.raw);
    expectOnceEach(counts);
    expect(counts.has('set-cookie')).toBe(false);
    expect(result.headers['access-control-allow-origin']).toBe(origin);
    expect(result.headers['x-correlation-id']).not.toBe('upstream-own-id');
    expect(result.headers['x-ratelimit-remaining']).toBeUndefined();
    expect(result.headers['etag']).toBe('"v1"');
  });
});
