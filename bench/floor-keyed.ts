// The floor for the full job: what a Node proxy does at the least to serve an API key among many with
// one limit and a request id. node:http in, one undici Pool out (pool.stream writing straight into
// the response, as Portier's own dispatch handler does), the keys in a Map, one fixed-window counter per key. No hashing, no
// policies, no logs, no metrics: the ratio Portier / this floor is the price of everything else.
//   node --import tsx bench/floor-keyed.ts <upstream url> <port> <keys file> <limit per minute>
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';

const [upstream = 'http://127.0.0.1:3000', portText = '0', keysFile, limitText = '1000000000'] = process.argv.slice(2);
const pool = new Pool(upstream, { connections: 128 });
const limit = Number(limitText);
const accounts = new Map<string, string>();
if (keysFile !== undefined) readFileSync(keysFile, 'utf8').split('\n').filter(Boolean).forEach((key, index) => accounts.set(key, `acct_${Math.floor(index / 100)}`));
const windowMs = 60_000;
const counters = new Map<string, { window: number; count: number }>();

function intoResponse({ statusCode, headers, opaque }: Dispatcher.StreamFactoryData<ServerResponse>): ServerResponse {
  opaque.writeHead(statusCode, headers as IncomingHttpHeaders);
  return opaque;
}

const server = createServer((req, res) => {
  const authorization = req.headers.authorization;
  const key = authorization?.startsWith('Bearer ') === true ? authorization.slice(7) : undefined;
  const account = key === undefined ? undefined : accounts.get(key);
  if (key === undefined || account === undefined) {
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
    return;
  }
  const window = Math.floor(Date.now() / windowMs);
  let counter = counters.get(key);
  if (counter === undefined || counter.window !== window) counters.set(key, (counter = { window, count: 0 }));
  if (++counter.count > limit) {
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '60' }).end('{"error":"rate_limited"}');
    return;
  }
  const requestId = req.headers['x-request-id'] ?? randomUUID();
  const headers = { ...req.headers, 'x-request-id': requestId };
  delete headers.authorization;
  pool.stream({ method: req.method as Dispatcher.HttpMethod, path: req.url ?? '/', headers, body: null, opaque: res }, intoResponse).catch(() => {
    if (!res.headersSent) res.writeHead(502).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(portText), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : ''}\n`);
});
