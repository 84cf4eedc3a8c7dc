import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createAdaptorServer } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import type { OperationHandlers } from '../../src/operations/operation-handler.js';
import { createPortier as createExpressPortier } from '../../src/embed/express/index.js';
import { portierPlugin } from '../../src/embed/fastify/index.js';
import { createPortier as createHonoPortier, type PortierEnv } from '../../src/embed/hono/index.js';

export const frameworks = ['express', 'fastify', 'hono'] as const;
export type Framework = (typeof frameworks)[number];

/** An app with Portier embedded, listening on 127.0.0.1. */
export interface EmbeddedApp {
  readonly url: string;
  /** Every JSON log line Portier wrote so far. */
  logText(): string;
  close(): Promise<void>;
}

/**
 * Starts a real app of `framework` with Portier mounted at the root, `handlers` as the work of its
 * async app routes, and one synchronous app route of its own, `GET /ping`, answered by the app.
 */
export async function startEmbeddedApp(framework: Framework, config: Readonly<Record<string, unknown>>, handlers: OperationHandlers): Promise<EmbeddedApp> {
  const lines: string[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  const options = { logDestination, env: {}, operations: handlers };
  const logText = (): string => lines.join('');
  if (framework === 'fastify') {
    const app = Fastify();
    await app.register(portierPlugin, { config, ...options });
    app.get('/ping', async () => ({ pong: true }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, logText, close: () => app.close() };
  }
  let server: Server;
  let closePortier: () => Promise<void>;
  if (framework === 'express') {
    const portier = createExpressPortier(config, options);
    const app = express();
    app.use(portier.middleware);
    app.get('/ping', (_req, res) => void res.json({ pong: true }));
    app.use(portier.errorHandler);
    server = app.listen(0, '127.0.0.1');
    closePortier = () => portier.close();
  } else {
    const portier = createHonoPortier(config, options);
    const app = new Hono<PortierEnv>();
    app.use('*', portier.middleware);
    app.onError(portier.onError);
    app.notFound(portier.notFound);
    app.get('/ping', (c) => c.json({ pong: true }));
    server = createAdaptorServer({ fetch: app.fetch }) as Server;
    server.listen(0, '127.0.0.1');
    closePortier = () => portier.close();
  }
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    logText,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await closePortier();
    },
  };
}
