// The floor: the least a Node proxy can do (node:http in, one undici Pool out, no policies). It forwards
// with undici's cheapest ready-made primitive (pool.stream writing straight into the response, no abort
// signal); Portier does the same through a dispatch handler of its own that also aborts the upstream
// call when the client leaves, so the ratio measures Portier's own work.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';

const upstream = process.argv[2] ?? 'http://127.0.0.1:3000';
const port = Number(process.argv[3] ?? 0);
const pool = new Pool(upstream, { connections: 128 });

function intoResponse({ statusCode, headers, opaque }: Dispatcher.StreamFactoryData<ServerResponse>): ServerResponse {
  opaque.writeHead(statusCode, headers as IncomingHttpHeaders);
  return opaque;
}

const server = createServer((req, res) => {
  pool
    .stream({ method: req.method as Dispatcher.HttpMethod, path: req.url ?? '/', headers: req.headers, body: null, opaque: res }, intoResponse)
    .catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
    });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : ''}\n`);
});
