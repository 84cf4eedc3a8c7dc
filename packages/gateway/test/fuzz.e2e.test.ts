import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { request } from 'undici';
import { catalog, type ErrorCode } from '../src/errors/catalog.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { startUpstream, type TestUpstream } from './helpers/upstream.js';
import { parseRaw } from './helpers/raw-http.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';

/**
 * Seeded, bounded fuzzing of the front door (issue 14): random methods, targets, header names and
 * values, Authorization shapes, bodies and JSON over raw sockets, against a config with keys, limits,
 * validation and idempotency. Reproduce a run with PORTIER_FUZZ_SEED=<seed> (the seed is printed);
 * PORTIER_FUZZ_REQUESTS sets how many requests are sent (default 2000).
 */

const seed = Number(process.env['PORTIER_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const total = Number(process.env['PORTIER_FUZZ_REQUESTS'] ?? 2000);
const concurrency = 24;
/** Bytes the upstream puts in bodies the gateway must never relay (its 5xx pages are normalized). */
const upstreamSecret = 'FUZZ-UPSTREAM-SECRET-41c9';
const rssLimitBytes = 200 * 1024 * 1024;

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
function createRandom(start: number): () => number {
  let state = start >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let upstream: TestUpstream;
let portier: TestGateway;
let goodKey = '';

beforeAll(async () => {
  upstream = await startUpstream((req, res, body) => {
    if (req.url?.includes('boom') === true) {
      res.writeHead(500, { 'content-type': 'text/html', 'x-fuzz-upstream': '1' });
      res.end(`<pre>${upstreamSecret} at Object.handler (/srv/app.js:12:7)</pre>`);
      return;
    }
    const text = JSON.stringify({ ok: true, bytes: body.length });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-fuzz-upstream': '1' });
    res.end(req.method === 'HEAD' ? undefined : text);
  });
  const config = {
    server: { maxHeaderBytes: 8192, headersTimeoutMs: 1000, requestTimeoutMs: 1500, maxBodyBytes: 4096 },
    auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
    plans: { free: { limits: [{ name: 'burst', limit: 150, per: 'minute', by: ['key'] }] } },
    upstreams: { app: { url: upstream.url, errors: 'normalize', responseTimeoutMs: 2000 } },
    routes: [
      { id: 'items', path: '/v1/items/:id', methods: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'], upstream: 'app', auth: {} },
      {
        id: 'orders',
        path: '/v1/orders',
        methods: ['POST'],
        upstream: 'app',
        auth: {},
        maxBodyBytes: 512,
        idempotency: {},
        validation: { body: { type: 'object', properties: { name: { type: 'string', maxLength: 20 }, qty: { type: 'integer', minimum: 1 } }, required: ['name'], additionalProperties: false } },
      },
      { id: 'open', path: '/open/*', methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'], upstream: 'app', limits: [{ name: 'ip', limit: 2000, per: 'minute', by: ['ip'] }] },
    ],
  };
  portier = await startGateway(config);
  const admin = adminOf(portier, config);
  const account = await admin.createAccount('fuzz', 'free');
  goodKey = (await admin.createKey({ accountId: account.id, name: 'fuzz' })).secret;
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function randomText(random: () => number, length: number, alphabet: string): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

const printable = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&\'()*+,;=:@/?#[]%"<>\\^`{|} ';
const tokenChars = 'abcdefghijklmnopqrstuvwxyz0123456789-!#$%&\'*+.^_`|~';

function randomTarget(random: () => number): string {
  const base = pick(random, [
    '/v1/items/1',
    '/v1/items/abc',
    '/v1/orders',
    '/open/a',
    '/open/boom',
    '/open/deep/path/file.json',
    '/healthz',
    '/nowhere',
    '/',
    '*',
    'http://evil.example/open/x',
    'https://evil.example',
    '/open/..%2fsecret',
    '/open/%2e%2e/secret',
    '/open/a%00b',
    '/open/a\\b',
    '/open/a%5cb',
    '/open/%zz',
    '/open/..;/x',
    '/v1/items/%2F',
    '/open/%7Efile',
    '//open/a',
  ]);
  const roll = random();
  if (roll < 0.25) return base + '/' + randomText(random, 1 + Math.floor(random() * 12), printable).replace(/[ #]/g, '');
  if (roll < 0.45) return `${base}?${randomText(random, Math.floor(random() * 16), printable).replace(/[ #]/g, '')}`;
  if (roll < 0.5) return base + randomText(random, 3, '\u00e9\u0001\u007f\t');
  return base;
}

function randomAuthorization(random: () => number): string | undefined {
  return pick(random, [
    undefined,
    `Bearer ${goodKey}`,
    `Bearer ${goodKey}`,
    `Bearer "${goodKey}"`,
    `bearer ${goodKey}`,
    `Bearer  ${goodKey}`,
    `Bearer ${goodKey.slice(0, -2)}xx`,
    `Bearer ${goodKey.replace('eu1', 'us1')}`,
    'Bearer',
    'Bearer ',
    'Basic dXNlcjpwYXNz',
    `Token ${goodKey}`,
    `Bearer ${randomText(random, 40, tokenChars)}`,
    randomText(random, 20, printable),
    `Bearer ${'k'.repeat(3000)}`,
  ]);
}

function randomBody(random: () => number): { body: Buffer; contentType: string | undefined } {
  const kind = pick(random, ['none', 'none', 'valid', 'valid', 'invalid-json', 'wrong-shape', 'deep', 'bytes', 'big']);
  const text = (value: string, type = 'application/json'): { body: Buffer; contentType: string } => ({ body: Buffer.from(value), contentType: type });
  switch (kind) {
    case 'valid':
      return text(JSON.stringify({ name: randomText(random, 5, tokenChars), qty: 1 + Math.floor(random() * 9) }));
    case 'invalid-json':
      return text(pick(random, ['{"name": }', '{', '[1,2', '{"name":"a",}', 'nul', '\u00ff\u00fe{}']));
    case 'wrong-shape':
      return text(JSON.stringify(pick(random, [{ name: 42 }, { qty: -1 }, [], 'text', null, { name: 'a'.repeat(50), extra: true }])));
    case 'deep':
      return text('['.repeat(200) + ']'.repeat(200));
    case 'bytes': {
      const bytes = Buffer.alloc(Math.floor(random() * 300));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
      return { body: bytes, contentType: pick(random, [undefined, 'application/octet-stream', 'text/plain', 'application/json']) };
    }
    case 'big':
      return text(JSON.stringify({ name: 'x', pad: 'p'.repeat(5000) }));
    default:
      return { body: Buffer.alloc(0), contentType: undefined };
  }
}

/** Headers a legitimate but unusual client may send: the request must still be served or refused by a policy. */
function benignHeaders(random: () => number): string[] {
  return [
    'Expect: 100-continue',
    'Connection: keep-alive, X-Hop',
    'X-Hop: hop',
    'Upgrade: websocket',
    'Upgrade: h2c',
    'HTTP2-Settings: AAMAAABkAAQAAP__',
    'TE: trailers',
    'Keep-Alive: timeout=5',
    'Proxy-Authorization: Basic abc',
    'Proxy: http://evil.example',
    'Trailer: X-Later',
    `Idempotency-Key: ${pick(random, ['"abc-123"', 'plain-key', '', `"${'k'.repeat(300)}"`, '"unterminated', `"${randomText(random, 10, tokenChars)}"`])}`,
    `Accept-Language: ${pick(random, ['fr', 'de-DE,de;q=0.9', 'ru', 'xx', '*', ''])}`,
    `X-Correlation-ID: ${randomText(random, 1 + Math.floor(random() * 40), printable.replace(/[\\"]/g, ''))}`,
    `traceparent: 00-${randomText(random, 32, '0123456789abcdef')}-${randomText(random, 16, '0123456789abcdef')}-01`,
    `${randomText(random, 1 + Math.floor(random() * 10), tokenChars)}: ${randomText(random, Math.floor(random() * 30), printable)}`,
    'X-Portier-Account: forged',
    `X-Forwarded-For: ${pick(random, ['1.2.3.4', 'evil', ''])}`,
  ];
}

/** Headers no well-behaved client sends: bad names and bytes, oversized, conflicting framing, other Expect values. */
function hostileHeaders(random: () => number): string[] {
  return [
    `Expect: ${randomText(random, 6, tokenChars)}`,
    `${randomText(random, 5, printable)}: bad name`,
    `X-Value: ${randomText(random, 4, '\u0000\u0001\u00e9\u00ff\u007f')}`,
    `X-Big: ${'b'.repeat(Math.floor(random() * 12_000))}`,
    'Content-Length: 3',
    'Transfer-Encoding: gzip, chunked',
    'Host: second.example',
  ];
}

/** One random request as raw bytes; always ends with `Connection: close` so the answer ends with the connection. */
function randomRequest(random: () => number): { bytes: Buffer; method: string } {
  const ordinary = random() < 0.4;
  const method = ordinary ? pick(random, ['GET', 'POST', 'POST']) : pick(random, ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE', 'PROPFIND', 'PURGE', 'FOO', 'get']);
  const target = ordinary
    ? pick(random, ['/v1/orders', '/v1/items/7', '/open/a'])
    : method === 'CONNECT'
      ? pick(random, ['evil.example:443', '127.0.0.1:22', '/open/a'])
      : randomTarget(random);
  const version = random() < 0.05 ? pick(random, ['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/x']) : 'HTTP/1.1';
  const lines = [`${method} ${target} ${version}`];
  if (random() < 0.95) lines.push(`Host: ${pick(random, ['api.example', 'a', '', 'evil.example:443'])}`);
  const authorization = ordinary && random() < 0.7 ? `Bearer ${goodKey}` : randomAuthorization(random);
  if (authorization !== undefined) lines.push(`Authorization: ${authorization}`);
  const { body, contentType } = method === 'GET' && random() < 0.7 ? { body: Buffer.alloc(0), contentType: undefined } : randomBody(random);
  if (contentType !== undefined) lines.push(`Content-Type: ${contentType}`);
  const chunked = body.length > 0 && random() < 0.25;
  const extraCount = Math.floor(random() * 4);
  for (let i = 0; i < extraCount; i++) lines.push(pick(random, benignHeaders(random)));
  // One request in six carries a header Node's parser or the gateway must refuse as a whole.
  if (random() < 1 / 6) lines.push(pick(random, hostileHeaders(random)));
  if (body.length > 0) {
    if (chunked) lines.push('Transfer-Encoding: chunked');
    else lines.push(`Content-Length: ${random() < 0.05 ? body.length + Math.floor(random() * 3) - 1 : body.length}`);
  }
  lines.push('Connection: close');
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  const payload = chunked ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]) : body;
  return { bytes: Buffer.concat([head, payload]), method };
}

/** Length of the final answer in `text` once it is complete (after any 1xx), else undefined. */
function completeLength(text: string, method: string): number | undefined {
  let start = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', start);
    if (end === -1) return undefined;
    const head = text.slice(start, end);
    if (/^HTTP\/1\.1 1\d\d /.test(head)) {
      start = end + 4;
      continue;
    }
    const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
    if (length === undefined) return undefined; // read until the server closes
    const total = end + 4 + (method === 'HEAD' ? 0 : Number(length));
    return text.length >= total ? total : undefined;
  }
}

/**
 * Sends bytes on a fresh connection and reads one answer: until its Content-Length is in or the server
 * closes (a client may have asked for keep-alive), or `limitMs` passes.
 */
function exchange(url: string, bytes: Buffer, method: string, limitMs: number): Promise<{ text: string; timedOut: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, limitMs);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (completeLength(text, method) !== undefined) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, timedOut });
    });
    // write, not end: Node's server takes a half-close as the client going away (httpAllowHalfOpen is off).
    socket.on('connect', () => socket.write(bytes));
  });
}

const stackTrace = /\bat [\w.<>]+ \(?[^)\s]*:\d+:\d+\)?/;
const codes = new Set(Object.keys(catalog));

/** What is wrong with one answer, or undefined when it is one the gateway may give. */
function judge(text: string, method: string): string | undefined {
  if (text === '') return 'the connection closed without an answer';
  let rest = text;
  while (/^HTTP\/1\.1 1\d\d /.test(rest)) rest = rest.slice(rest.indexOf('\r\n\r\n') + 4);
  const answer = parseRaw(rest);
  if (answer.status === 0) return 'no status line';
  const correlation = answer.headers['x-correlation-id'];
  if (correlation === undefined || correlation === '') return 'no correlation ID';
  if (text.includes(upstreamSecret) || stackTrace.test(answer.body)) return 'upstream bytes or a stack trace in the answer';
  if (answer.headers['x-fuzz-upstream'] === '1' && answer.status < 500) return undefined;
  if (answer.status === 200 && answer.body === '{"status":"ok"}') return undefined;
  if (method === 'HEAD') {
    const isHealth = answer.status === 200 && answer.headers['content-type'] === 'application/json';
    return isHealth || answer.headers['content-type'] === 'application/problem+json' ? undefined : `HEAD answered ${answer.status} without a problem type`;
  }
  let body: { code?: unknown; correlationId?: unknown };
  try {
    body = JSON.parse(answer.body) as typeof body;
  } catch {
    return `status ${answer.status} with a body that is not a catalogued error`;
  }
  if (typeof body.code !== 'string' || !codes.has(body.code)) return `unknown code ${String(body.code)}`;
  if (body.correlationId !== correlation) return 'correlation ID of body and header differ';
  if (answer.status >= 500 && catalog[body.code as ErrorCode].owner !== 'upstream') return `5xx ${body.code} not attributed to the upstream`;
  return undefined;
}

describe('fuzz', () => {
  it(`fuzz: every answer to ${total} random requests is catalogued, with a correlation ID, and the gateway stays up`, async () => {
    console.log(`fuzz seed ${seed} (PORTIER_FUZZ_SEED=${seed} to reproduce), ${total} requests`);
    const random = createRandom(seed);
    const requests = Array.from({ length: total }, () => randomRequest(random));
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const byCode = new Map<string, number>();
    const failures: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < requests.length) {
        const index = next++;
        const { bytes, method } = requests[index] as { bytes: Buffer; method: string };
        const { text, timedOut } = await exchange(portier.url, bytes, method, 5000);
        const problem = timedOut ? 'no answer within 5 s' : judge(text, method);
        if (problem !== undefined) {
          if (failures.length < 20) failures.push(`#${index}: ${problem}\n  sent: ${JSON.stringify(bytes.toString('latin1').slice(0, 300))}\n  got: ${JSON.stringify(text.slice(0, 300))}`);
          else failures.push(`#${index}: ${problem}`);
        }
        const status = /^HTTP\/1\.1 (\d{3})/.exec(text.replace(/^(HTTP\/1\.1 1\d\d [^\r]*\r\n\r\n)+/, ''))?.[1] ?? 'none';
        const code = /"code":"([a-z_]+)"/.exec(text)?.[1] ?? (text.includes('x-fuzz-upstream') ? 'upstream' : '-');
        byCode.set(`${status} ${code}`, (byCode.get(`${status} ${code}`) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
    global.gc?.();
    const rssAfter = process.memoryUsage().rss;
    const health = await request(`${portier.url}/healthz`);
    expect(health.statusCode).toBe(200);
    await health.body.dump();
    const summary = [...byCode].sort((a, b) => b[1] - a[1]).map(([key, count]) => `${key}: ${count}`).join(', ');
    console.log(`fuzz answers by status and code: ${summary}`);
    console.log(`fuzz RSS before ${(rssBefore / 1048576).toFixed(0)} MB, after ${(rssAfter / 1048576).toFixed(0)} MB`);
    expect(failures, `seed ${seed}: ${failures.length} bad answers\n${failures.slice(0, 20).join('\n')}`).toEqual([]);
    expect(rssAfter - rssBefore, `seed ${seed}: RSS grew by ${rssAfter - rssBefore} bytes`).toBeLessThan(rssLimitBytes);
    const unexpected = portier.logs.filter((line) => line['msg'] === 'unexpected error');
    expect(unexpected, `seed ${seed}: the gateway logged unexpected errors`).toEqual([]);
  }, 120_000);
});
