// Trivial upstream for load scenarios: about 100 bytes of JSON on every path.
import { createServer } from 'node:http';

const body = JSON.stringify({ id: 'row_0001', name: 'Benchmark row', tags: ['a', 'b'], updatedAt: '2026-01-01T00:00:00Z' });
const port = Number(process.argv[2] ?? 0);

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : ''}\n`);
});
