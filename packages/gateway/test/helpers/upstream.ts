import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { within } from './wait-for.js';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly rawHeaders: string[];
  readonly body: Buffer;
}

export interface TestUpstream {
  readonly url: string;
  readonly seen: SeenRequest[];
  /**
   * Resolves once `count` requests (those that `matches`, by default all) have reached it, their bodies
   * read; fails naming the count after a timeout.
   */
  received(count: number, matches?: (request: SeenRequest) => boolean): Promise<void>;
  close(): Promise<void>;
}

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>;

/** A real HTTP server on a free port that records what reached it. */
export function startUpstream(handler: UpstreamHandler): Promise<TestUpstream> {
  const seen: SeenRequest[] = [];
  const waiters: { count: number; matches: (request: SeenRequest) => boolean; resolve: () => void }[] = [];
  const countOf = (matches: (request: SeenRequest) => boolean): number => seen.filter(matches).length;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body });
      for (const waiter of waiters.filter((w) => w.count <= countOf(w.matches))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      void Promise.resolve(handler(req, res, body)).catch(() => res.destroy());
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        seen,
        received: (count, matches = () => true) => {
          if (countOf(matches) >= count) return Promise.resolve();
          const reached = new Promise<void>((done) => waiters.push({ count, matches, resolve: done }));
          return within(reached, `${count} request(s) at the upstream (${countOf(matches)} when the wait began)`);
        },
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Answers JSON with a status. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
