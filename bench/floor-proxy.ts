// The floor: the least a Node proxy can do (node:http in, one undici Pool out, no policies). Portier's
// overhead is measured against this, in the same run.
import { createServer } from 'node:http';
import { pipeline } from 'node:stream';
import { Pool } from 'undici';

const upstream = process.argv[2] ?? 'http://127.0.0.1:3000';
const port = Number(process.argv[3] ?? 0);
const pool = new Pool(upstream, { connections: 128 });

const server = createServer((req, res) => {
  pool
    .request({ method: req.method as 'GET', path: req.url ?? '/', headers: req.headers, body: null })
    .then((response) => {
      res.writeHead(response.statusCode, response.headers as Record<string, string>);
      pipeline(response.body, res, () => undefined);
    })
    .catch(() => {
      res.writeHead(502).end();
    });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : ''}\n`);
});
