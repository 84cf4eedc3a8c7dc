import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running demo backend. */
export interface DemoBackend {
  readonly url: string;
  close(): Promise<void>;
}

interface Item {
  id: string;
  name: string;
}

/**
 * The small backend `npm start` puts behind Portier: a few JSON endpoints, plus ones that misbehave
 * on purpose (slow, unavailable, failing) so that each catalogued upstream error can be seen.
 */
export function startDemoBackend(port = 0, host = '127.0.0.1'): Promise<DemoBackend> {
  const items = new Map<string, Item>([
    ['1', { id: '1', name: 'Portier tote bag' }],
    ['2', { id: '2', name: 'Gateway mug' }],
  ]);
  let nextId = 3;
  const server = createServer((req, res) => {
    handle(req, res, items, () => String(nextId++)).catch(() => send(res, 500, { message: 'demo backend failure' }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      resolve({
        url: `http://${host}:${address.port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, items: Map<string, Item>, newId: () => string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://demo');
  // /raw/... serves the same endpoints: the demo routes it through a passthrough upstream.
  const path = url.pathname.replace(/^\/raw(?=\/)/, '');
  const itemMatch = /^\/v1\/items\/([^/]+)$/.exec(path);
  if (path === '/v1/hello') return send(res, 200, { message: 'Hello from the demo backend', correlationId: req.headers['x-correlation-id'] });
  if (path === '/v1/items' && req.method === 'GET') return send(res, 200, { items: [...items.values()] });
  if (path === '/v1/items' && req.method === 'POST') {
    const body = await readJson(req);
    const name = (body as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string' || name === '') return send(res, 422, { message: 'An item needs a non-empty "name".' });
    const item = { id: newId(), name };
    items.set(item.id, item);
    return send(res, 201, item);
  }
  if (itemMatch !== null) {
    const id = decodeURIComponent(itemMatch[1] as string);
    const item = items.get(id);
    if (item === undefined) return send(res, 404, { message: `Item ${id} not found.` });
    if (req.method === 'DELETE') {
      items.delete(id);
      res.writeHead(204).end();
      return;
    }
    return send(res, 200, item);
  }
  const rowsMatch = /^\/v1\/bases\/([^/]+)\/rows$/.exec(path);
  if (rowsMatch !== null) {
    const base = decodeURIComponent(rowsMatch[1] as string);
    if (req.method === 'POST') return send(res, 201, { base, inserted_row_count: 1 });
    return send(res, 200, { base, rows: [{ _id: 'r1', Name: 'First row' }], account: req.headers['x-portier-account-id'] });
  }
  const exportMatch = /^\/v1\/bases\/([^/]+)\/exports$/.exec(path);
  if (exportMatch !== null && req.method === 'POST') {
    // Slow on purpose (but under the demo upstream's 1 s timeout): Portier answers 202 at once and forwards this in the background.
    await new Promise((resolve) => setTimeout(resolve, 800));
    return send(res, 201, { base: decodeURIComponent(exportMatch[1] as string), file: 'export.csv', rows: 1, operation: req.headers['idempotency-key'] });
  }
  if (path === '/v1/limited') return send(res, 200, { message: 'within the limit' });
  if (path === '/v1/sync/hourly') return send(res, 202, { message: 'hourly sync scheduled' });
  if (path === '/v1/slow') {
    const ms = Math.min(Number(url.searchParams.get('ms') ?? '3000') || 0, 60000);
    await new Promise((resolve) => setTimeout(resolve, ms));
    return send(res, 200, { message: `answered after ${ms} ms` });
  }
  if (path === '/v1/unavailable') {
    res.setHeader('retry-after', '7');
    return send(res, 503, { message: 'The demo backend is overloaded.' });
  }
  if (path === '/v1/broken') return send(res, 500, { error: { message: 'Database connection lost.' } });
  return send(res, 404, { message: 'No such demo endpoint.' });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}
