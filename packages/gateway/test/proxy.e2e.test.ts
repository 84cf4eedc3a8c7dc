import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { Readable } from 'node:stream';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { within } from './helpers/wait-for.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { nodeRequest } from './helpers/node-request.js';

let upstream: TestUpstream;
let portier: TestGateway;
/** Tells the /stream upstream that the client has received its latest piece. */
let pieceSeen: () => void = () => undefined;

beforeAll(async () => {
  upstream = await startUpstream((req, res, body) => {
    if (req.url === '/cookies') {
      res.writeHead(200, [
        'set-cookie', 'a=1',
        'set-cookie', 'b=2',
        'connection', 'keep-alive, x-internal',
        'x-internal', 'leak',
        'x-correlation-id', 'upstream-made-this-up',
      ]);
      res.end('ok');
      return;
    }
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      // Each piece only once the client has the one before: a gateway that buffered would never finish.
      void (async () => {
        for (let sent = 0; sent < 5; sent++) {
          const seen = new Promise<void>((resolve) => (pieceSeen = resolve));
          res.write(`chunk${sent}\n`);
          await seen;
        }
        res.end();
      })();
      return;
    }
    json(res, 201, { received: body.toString('utf8'), length: body.length });
  });
  portier = await startGateway({
    upstreams: { app: { url: `${upstream.url}/base` }, plain: { url: upstream.url } },
    routes: [
      { id: 'echo', path: '/echo', methods: ['POST', 'PUT'], upstream: 'app' },
      { id: 'cookies', path: '/cookies', upstream: 'plain' },
      { id: 'stream', path: '/stream', upstream: 'plain' },
    ],
  });
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

describe('proxy', () => {
  it('proxy: streams a request body and the response back when the upstream answers', async () => {
    const response = await request(`${portier.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(response.statusCode).toBe(201);
    expect(await response.body.json()).toEqual({ received: '{"hello":"world"}', length: 17 });
    expect(upstream.seen.at(-1)?.url).toBe('/base/echo');
  });

  it('proxy: forwards a chunked body without a Content-Length', async () => {
    const response = await request(`${portier.url}/echo`, {
      method: 'PUT',
      body: Readable.from([Buffer.from('part one, '), Buffer.from('part two')]),
    });
    expect(await response.body.json()).toEqual({ received: 'part one, part two', length: 18 });
  });

  it('proxy: sets X-Forwarded-* and the correlation ID and drops hop-by-hop headers when forwarding', async () => {
    const response = await nodeRequest(`${portier.url}/echo`, {
      method: 'POST',
      headers: {
        'x-correlation-id': 'client-chosen-id-1',
        'x-forwarded-for': '6.6.6.6',
        'proxy-authorization': 'Basic c2VjcmV0',
        connection: 'keep-alive, x-drop-me',
        'x-drop-me': 'yes',
        'x-keep-me': 'yes',
        te: 'trailers',
      },
      body: 'x',
    });
    const seen = upstream.seen.at(-1);
    expect(seen?.headers['x-correlation-id']).toBe('client-chosen-id-1');
    expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen?.headers['x-forwarded-proto']).toBe('http');
    expect(seen?.headers['x-forwarded-host']).toBe(new URL(portier.url).host);
    expect(seen?.headers['x-keep-me']).toBe('yes');
    expect(seen?.headers['x-drop-me']).toBeUndefined();
    expect(seen?.headers['proxy-authorization']).toBeUndefined();
    expect(seen?.headers['te']).toBeUndefined();
    expect(response.headers['x-correlation-id']).toBe('client-chosen-id-1');
  });

  it('proxy: keeps repeated Set-Cookie headers and drops connection-scoped ones when answering', async () => {
    const response = await request(`${portier.url}/cookies`);
    expect(await response.body.text()).toBe('ok');
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(response.headers['x-internal']).toBeUndefined();
    expect(response.headers['x-correlation-id']).not.toBe('upstream-made-this-up');
  });

  it('proxy: streams a response that arrives in pieces', async () => {
    const response = await request(`${portier.url}/stream`);
    const read = (async () => {
      let text = '';
      for await (const chunk of response.body) {
        text += (chunk as Buffer).toString();
        pieceSeen();
      }
      return text;
    })();
    expect(await within(read, 'each piece passed on before the upstream sends the next')).toBe('chunk0\nchunk1\nchunk2\nchunk3\nchunk4\n');
  });

  it('proxy: writes one access log line per request with route, status and latencies', async () => {
    const response = await request(`${portier.url}/echo`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_live_never_log_me' },
      body: 'x',
    });
    const correlationId = response.headers['x-correlation-id'];
    await response.body.dump();
    const line = portier.logs.find((entry) => entry['correlationId'] === correlationId);
    expect(line).toMatchObject({ msg: 'request', method: 'POST', path: '/echo', route: 'echo', status: 201 });
    expect(line?.['totalMs']).toBeTypeOf('number');
    expect(line?.['upstreamMs']).toBeTypeOf('number');
    expect(portier.logText()).not.toContain('sk_live_never_log_me');
  });
});
