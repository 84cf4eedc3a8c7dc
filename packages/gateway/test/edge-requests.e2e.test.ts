import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { parseRaw, sendRaw, type RawResponse } from './helpers/raw-http.js';
import { RawConversation } from './helpers/raw-conversation.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';

/**
 * The front door against unusual and hostile HTTP (issue 14): each case over a raw socket, since HTTP
 * client libraries never send most of these. The upstream echoes what reached it.
 */

let upstream: TestUpstream;
let portier: TestGateway;
/** An upstream that says when a request has started reaching it, before its body is complete. */
let uploads: Server;
const uploadStarted: (() => void)[] = [];
let key = '';
const threshold = 3;

beforeAll(async () => {
  upstream = await startUpstream((req, res, body) => json(res, 200, { url: req.url, body: body.toString('utf8') }));
  uploads = createServer((req, res) => {
    uploadStarted.shift()?.();
    req.resume();
    req.on('end', () => json(res, 200, { ok: true }));
  });
  await new Promise<void>((resolve) => uploads.listen(0, '127.0.0.1', resolve));
  const uploadsUrl = `http://127.0.0.1:${(uploads.address() as AddressInfo).port}`;
  const config = {
    auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
    plans: { free: {} },
    upstreams: {
      app: { url: `${upstream.url}/base`, circuitBreaker: { failureThreshold: threshold, openMs: 600_000 } },
      uploads: { url: uploadsUrl, circuitBreaker: { failureThreshold: threshold, openMs: 600_000 } },
    },
    routes: [
      { id: 'files', path: '/files/*', methods: ['GET', 'POST'], upstream: 'app', maxBodyBytes: 64 },
      { id: 'open', path: '/open', methods: ['POST'], upstream: 'app', maxBodyBytes: 1000 },
      { id: 'keyed', path: '/keyed', methods: ['POST'], upstream: 'app', auth: {} },
      { id: 'uploads', path: '/uploads', methods: ['POST'], upstream: 'uploads' },
      { id: 'validated', path: '/validated', methods: ['POST'], upstream: 'app', validation: { body: { type: 'object' } } },
    ],
  };
  portier = await startGateway(config);
  const admin = adminOf(portier, config);
  const account = await admin.createAccount('edge', 'free');
  key = (await admin.createKey({ accountId: account.id, name: 'edge' })).secret;
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
  uploads.closeAllConnections();
  await new Promise((resolve) => uploads.close(resolve));
});

interface Answer extends RawResponse {
  readonly json: Record<string, unknown>;
}

function withJson(response: RawResponse): Answer {
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    // left empty: the assertions on code say what was expected
  }
  return { ...response, json: body };
}

/** One request over a fresh connection that the server closes after answering. */
async function raw(head: string, body = ''): Promise<Answer> {
  return withJson(await sendRaw(portier.url, `${head}\r\nConnection: close\r\n\r\n${body}`));
}

/** Checks what every gateway error must carry: status, catalog code, correlation ID in header and body. */
function expectCatalogued(response: Answer, status: number, code: string): void {
  expect(response.status, response.raw).toBe(status);
  expect(response.json['code'], response.raw).toBe(code);
  expect(response.headers['x-correlation-id']).toMatch(/\S/);
  expect(response.json['correlationId']).toBe(response.headers['x-correlation-id']);
}

/** The final answer after any interim 1xx ones. */
function finalAnswer(text: string): Answer {
  let rest = text;
  while (/^HTTP\/1\.1 1\d\d /.test(rest)) rest = rest.slice(rest.indexOf('\r\n\r\n') + 4);
  return withJson(parseRaw(rest));
}

/** Proof that the breaker is still closed: a plain request reaches the upstream. */
async function expectUpstreamReachable(): Promise<void> {
  const before = upstream.seen.length;
  const response = await request(`${portier.url}/files/ping`);
  expect(response.statusCode).toBe(200);
  await response.body.dump();
  expect(upstream.seen.length).toBe(before + 1);
}

describe('Expect', () => {
  it('expect: answers 100 Continue itself and forwards the chunked body without Expect when the route accepts it', async () => {
    // More such requests than the breaker's threshold: before the fix each was a 502 that counted.
    for (let i = 0; i < threshold + 2; i++) {
      const conversation = await RawConversation.open(portier.url);
      conversation.write('POST /open HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n');
      await conversation.waitFor('HTTP/1.1 100 Continue\r\n\r\n');
      conversation.write('5\r\nhello\r\n0\r\n\r\n');
      await conversation.closed;
      const answer = finalAnswer(conversation.text);
      expect(answer.status, conversation.text).toBe(200);
      expect(answer.json).toEqual({ url: '/base/open', body: 'hello' });
      const seen = upstream.seen.at(-1);
      expect(seen?.headers['expect']).toBeUndefined();
    }
    await expectUpstreamReachable();
  });

  it('expect: refuses before the body with no 100 Continue and closes when a policy fails', async () => {
    const before = upstream.seen.length;
    const conversation = await RawConversation.open(portier.url);
    conversation.write('POST /keyed HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    await conversation.closed;
    expect(conversation.text).not.toContain('100 Continue');
    const answer = finalAnswer(conversation.text);
    expectCatalogued(answer, 401, 'authentication_required');
    expect(answer.headers['connection']).toBe('close');
    expect(upstream.seen.length).toBe(before);
  });

  it('expect: sends 100 Continue only after the key was verified', async () => {
    const conversation = await RawConversation.open(portier.url);
    conversation.write(`POST /keyed HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${key}\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`);
    await conversation.waitFor('HTTP/1.1 100 Continue\r\n\r\n');
    conversation.write('hello');
    await conversation.closed;
    expect(finalAnswer(conversation.text).json).toEqual({ url: '/base/keyed', body: 'hello' });
  });

  it('expect: answers 413 without 100 Continue when the declared body is over the limit', async () => {
    const conversation = await RawConversation.open(portier.url);
    conversation.write('POST /files/up HTTP/1.1\r\nHost: a\r\nContent-Length: 65\r\nExpect: 100-continue\r\n\r\n');
    await conversation.closed;
    expect(conversation.text).not.toContain('100 Continue');
    expectCatalogued(finalAnswer(conversation.text), 413, 'payload_too_large');
  });

  it('expect: answers a catalogued 417 with a correlation ID when Expect is not 100-continue', async () => {
    const before = upstream.seen.length;
    const answer = await raw('POST /open HTTP/1.1\r\nHost: a\r\nExpect: foo\r\nContent-Length: 2', 'hi');
    expectCatalogued(answer, 417, 'expectation_failed');
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(upstream.seen.length).toBe(before);
  });
});

describe('request targets', () => {
  it('routing: reduces an absolute-form target to origin form and forwards the matched path', async () => {
    const answer = await raw('GET http://evil.example/files/pre?x=1 HTTP/1.1\r\nHost: a');
    expect(answer.status).toBe(200);
    expect(answer.json['url']).toBe('/base/files/pre?x=1');
  });

  it('routing: refuses encoded traversal, encoded slashes, backslashes and NUL with 400 invalid_request_target', async () => {
    // Non-ASCII bytes in the target never get this far: Node's parser refuses them (400 bad_request).
    const targets = [
      '/files/..%2fsecret',
      '/files/%2e%2e%2fsecret',
      '/files/%2e%2e/secret',
      '/files/%2E./secret',
      '/files/../secret',
      '/files/./secret',
      '/files/..;/secret',
      '/files/a%2fb',
      '/files/a%2Fb',
      '/files/a%5cb',
      '/files/a\\b',
      '/files/a%00b',
      '/files/a%zzb',
      '/files/a%4',
      'ftp://evil.example/files/x',
    ];
    for (const target of targets) {
      const before = upstream.seen.length;
      const answer = await raw(`GET ${target} HTTP/1.1\r\nHost: a`);
      expectCatalogued(answer, 400, 'invalid_request_target');
      expect(upstream.seen.length, target).toBe(before);
    }
    expectCatalogued(await raw('OPTIONS * HTTP/1.1\r\nHost: a'), 400, 'invalid_request_target');
  });

  it('routing: keeps refusing a traversal that only appears once the path is decoded', async () => {
    for (const target of ['/files/%2e%2E/%2e', '/files/.%2e/x', '/files/%2e/x']) {
      const before = upstream.seen.length;
      const answer = await raw(`GET ${target} HTTP/1.1\r\nHost: a`);
      expectCatalogued(answer, 400, 'invalid_request_target');
      expect(upstream.seen.length, target).toBe(before);
    }
  });

  it('routing: forwards the normalized path it matched, unreserved escapes decoded and the others upper-cased', async () => {
    const cases: [string, string][] = [
      ['/fil%65s/a%7eb', '/base/files/a~b'],
      ['/files/a%2a%3ab', '/base/files/a%2A%3Ab'],
      ['/files/caf%c3%a9?q=%c3%a9', '/base/files/caf%C3%A9?q=%c3%a9'],
      ['/files/x#fragment', '/base/files/x'],
      ['/files/dots.in.name/..x', '/base/files/dots.in.name/..x'],
    ];
    for (const [sent, forwarded] of cases) {
      const answer = await raw(`GET ${sent} HTTP/1.1\r\nHost: a`);
      expect(answer.status, `${sent}: ${answer.raw}`).toBe(200);
      expect(answer.json['url'], sent).toBe(forwarded);
    }
  });
});

describe('forwarded headers', () => {
  it('forward: drops hop-by-hop, Connection-named, Proxy-* and Expect headers and keeps the rest', async () => {
    const answer = await raw(
      [
        'GET /files/h HTTP/1.1',
        'Host: api.example',
        'Connection: keep-alive, X-Hop-Secret',
        'X-Hop-Secret: 1',
        'Keep-Alive: timeout=5',
        'TE: trailers',
        'Trailer: X-Later',
        'Proxy-Authorization: Basic abc',
        'Proxy-Connection: keep-alive',
        'Proxy: http://evil.example',
        'HTTP2-Settings: AAMAAABkAAQAAP__',
        'X-Kept: yes',
      ].join('\r\n'),
    );
    expect(answer.status, answer.raw).toBe(200);
    const seen = upstream.seen.at(-1);
    for (const name of ['x-hop-secret', 'keep-alive', 'te', 'trailer', 'proxy-authorization', 'proxy-connection', 'proxy', 'http2-settings', 'expect', 'upgrade']) {
      expect(seen?.headers[name], name).toBeUndefined();
    }
    expect(seen?.headers['x-kept']).toBe('yes');
    expect(seen?.headers['host']).toBe(new URL(upstream.url).host);
    expect(seen?.headers['x-forwarded-host']).toBe('api.example');
  });

  it('forward: serves an Upgrade request as plain HTTP/1.1 and forwards no Upgrade', async () => {
    const answer = await raw('GET /files/ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13');
    expect(answer.status, answer.raw).toBe(200);
    expect(answer.headers['x-correlation-id']).toMatch(/\S/);
    expect(upstream.seen.at(-1)?.headers['upgrade']).toBeUndefined();
  });

  it('server: answers a catalogued 400 when Content-Length is repeated, with the same value or another', async () => {
    const before = upstream.seen.length;
    expectCatalogued(await raw('POST /open HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5', 'hello'), 400, 'bad_request');
    expectCatalogued(await raw('POST /open HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6', 'hello!'), 400, 'bad_request');
    expectCatalogued(await raw('POST /open HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked', '0\r\n\r\n'), 400, 'bad_request');
    expect(upstream.seen.length).toBe(before);
  });

  it('server: refuses a transfer coding besides chunked (gzip, chunked) with a catalogued 400 instead of forwarding the body still encoded', async () => {
    const before = upstream.seen.length;
    const refused = await raw('POST /open HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked', '5\r\nhello\r\n0\r\n\r\n');
    expectCatalogued(refused, 400, 'bad_request');
    expect(refused.json['detail']).toContain('Transfer-Encoding');
    expect(upstream.seen.length).toBe(before);
    const plain = await raw('POST /open HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked', '5\r\nhello\r\n0\r\n\r\n');
    expect(plain.status).toBe(200);
    expect(plain.json['body']).toBe('hello');
  });

  it('server: answers 400 bad_request with a correlation ID when an HTTP/1.1 request has no Host or two', async () => {
    expectCatalogued(await raw('GET /files/x HTTP/1.1'), 400, 'bad_request');
    expectCatalogued(await raw('GET /files/x HTTP/1.1\r\nHost: a\r\nHost: b'), 400, 'bad_request');
    const old = await raw('GET /files/x HTTP/1.0');
    expect(old.status).toBe(200);
  });
});

describe('answers Node would write itself', () => {
  it('server: answers CONNECT with a catalogued 405 and an empty Allow instead of a silent close', async () => {
    const answer = withJson(await sendRaw(portier.url, 'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n'));
    expectCatalogued(answer, 405, 'connect_not_supported');
    expect(answer.headers['allow']).toBe('');
  });

  it('server: answers a method no route serves with a catalogued 405 or 404', async () => {
    expectCatalogued(await raw('PROPFIND /files/x HTTP/1.1\r\nHost: a'), 405, 'method_not_allowed');
    expectCatalogued(await raw('PURGE /nowhere HTTP/1.1\r\nHost: a'), 404, 'not_found');
    expectCatalogued(withJson(await sendRaw(portier.url, 'FOO /files/x HTTP/1.1\r\nHost: a\r\n\r\n')), 400, 'bad_request');
  });
});

/** Splits what a server sent on one connection into its answers, by Content-Length. */
function answersIn(text: string): Answer[] {
  const answers: Answer[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n');
    const head = parseRaw(rest.slice(0, end + 4));
    const length = Number(head.headers['content-length'] ?? 0);
    answers.push(withJson(parseRaw(rest.slice(0, end + 4 + length))));
    rest = rest.slice(end + 4 + length);
  }
  return answers;
}

describe('a malformed request behind pipelined ones', () => {
  it('server: answers the pipelined requests before a malformed one first, in order, then its catalogued 400, and closes', async () => {
    const conversation = await RawConversation.open(portier.url);
    conversation.write('POST /files/a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET /files/b HTTP/1.1\r\nHost: a\r\n\r\nGARBAGE / HTTP/1.1\r\n\r\n');
    await conversation.closed;
    const answers = answersIn(conversation.text);
    expect(answers.map((answer) => answer.status), conversation.text).toEqual([200, 200, 400]);
    expect(answers[0]?.json['url']).toBe('/base/files/a');
    expect(answers[0]?.json['body']).toBe('hello');
    expect(answers[1]?.json['url']).toBe('/base/files/b');
    expectCatalogued(answers[2] as Answer, 400, 'bad_request');
    const ids = answers.map((answer) => answer.headers['x-correlation-id']);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids.slice(0, 2)) {
      await expect.poll(() => portier.logs.find((line) => line['correlationId'] === id && line['msg'] === 'request')).toBeDefined();
      const line = portier.logs.find((entry) => entry['correlationId'] === id && entry['msg'] === 'request');
      expect(line?.['status']).toBe(200);
      expect(line?.['brokenMidResponse']).toBeUndefined();
      expect(line?.['clientClosed']).toBeUndefined();
    }
  });

  it('server: bytes after a request that said Connection: close are not read as another request: one answer, then the close', async () => {
    // A proxied request (answered later), and one Portier refuses at once, while Node still parses the chunk.
    const requests = [
      { target: '/files/d', status: 200 },
      { target: '/nowhere', status: 404 },
    ];
    for (const { target, status } of requests) {
      for (const after of ['{', 'GARBAGE / HTTP/1.1\r\n\r\n', 'GET /files/e HTTP/1.1\r\nHost: a\r\n\r\n']) {
        const conversation = await RawConversation.open(portier.url);
        conversation.write(`POST ${target} HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n${after}`);
        await conversation.closed;
        const answers = answersIn(conversation.text);
        expect(answers.map((answer) => answer.status), `${target} then ${JSON.stringify(after)}: ${conversation.text}`).toEqual([status]);
        expect(answers[0]?.headers['connection']).toBe('close');
      }
    }
    // HTTP/1.0 naming keep-alive and close (in two Connection headers), then one byte more than its body:
    // close wins, and the stray byte gets no answer of its own.
    const conversation = await RawConversation.open(portier.url);
    conversation.write('POST /files/d HTTP/1.0\r\nHost: a\r\nConnection: keep-alive, X-Hop\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}}');
    await conversation.closed;
    const answers = answersIn(conversation.text);
    expect(answers.map((answer) => answer.status), conversation.text).toEqual([200]);
    expect(answers[0]?.headers['connection']).toBe('close');
  });

  it('server: answers a request before a pipelined CONNECT first, then the catalogued 405', async () => {
    const conversation = await RawConversation.open(portier.url);
    conversation.write('GET /files/c HTTP/1.1\r\nHost: a\r\n\r\nCONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n');
    await conversation.closed;
    const answers = answersIn(conversation.text);
    expect(answers.map((answer) => answer.status), conversation.text).toEqual([200, 405]);
    expect(answers[0]?.json['url']).toBe('/base/files/c');
    expectCatalogued(answers[1] as Answer, 405, 'connect_not_supported');
  });

  it('server: a client that half-closes mid-body gets no second answer and no phantom bad_request line beside its request', async () => {
    const before = portier.logs.length;
    const started = new Promise<void>((resolve) => uploadStarted.push(resolve));
    const conversation = await RawConversation.open(portier.url);
    conversation.write('POST /uploads HTTP/1.1\r\nHost: a\r\nContent-Length: 900\r\n\r\npartial');
    await started;
    conversation.socket.end();
    await conversation.closed;
    await expect.poll(() => portier.logs.slice(before).some((line) => line['route'] === 'uploads' && line['msg'] === 'request')).toBe(true);
    expect(conversation.text).toBe('');
    expect(portier.logs.slice(before).filter((line) => line['msg'] === 'request' && line['code'] === 'bad_request')).toEqual([]);
  });
});

describe('client-caused failures', () => {
  it('proxy: a client that goes away mid-upload never counts against the breaker', async () => {
    for (let i = 0; i < threshold + 2; i++) {
      const started = new Promise<void>((resolve) => uploadStarted.push(resolve));
      const conversation = await RawConversation.open(portier.url);
      conversation.write('POST /uploads HTTP/1.1\r\nHost: a\r\nContent-Length: 900\r\n\r\npartial');
      await started;
      conversation.reset();
      await conversation.closed;
    }
    const response = await request(`${portier.url}/uploads`, { method: 'POST', body: 'whole' });
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ ok: true });
  });

  it('request-body: a client that goes away while a stage reads its body is logged as gone, not as our error', async () => {
    const conversation = await RawConversation.open(portier.url);
    conversation.write('POST /validated HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n');
    // The 100 Continue says the validation stage is now reading the body.
    await conversation.waitFor('HTTP/1.1 100 Continue\r\n\r\n');
    conversation.write('{"partial":');
    conversation.reset();
    await conversation.closed;
    await expect.poll(() => portier.logs.some((line) => line['route'] === 'validated' && line['msg'] === 'request')).toBe(true);
    expect(portier.logs.filter((line) => line['msg'] === 'unexpected error')).toEqual([]);
  });

  it('proxy: a chunked body over the limit is 413 and never counts against the breaker', async () => {
    for (let i = 0; i < threshold + 2; i++) {
      const conversation = await RawConversation.open(portier.url);
      conversation.write(`POST /files/up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n50\r\n${'x'.repeat(80)}\r\n0\r\n\r\n`);
      await conversation.closed;
      expectCatalogued(finalAnswer(conversation.text), 413, 'payload_too_large');
    }
    await expectUpstreamReachable();
  });
});
