import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { createPortier, portierError, type PortierEnv } from 'portier/hono';
import { exampleConfig, examplePort, listenApp, type RunningApp } from '../shared/app-example.js';
import { appGuideLines } from '../shared/app-guide.js';
import { Projects } from '../shared/projects.js';
import { printGuide, runIfMain } from '../shared/start-example.js';

/** A small projects API on Hono (@hono/node-server), every route under /v1 guarded by Portier in-process. */
export async function startHonoApp(port = examplePort()): Promise<RunningApp> {
  const { file, env } = exampleConfig(import.meta.url);
  const portier = createPortier(file, { env });
  const projects = new Projects();
  const app = new Hono<PortierEnv>();
  app.get('/', (c) => c.text('Projects API (Hono): see the guide printed at start.\n'));
  app.use('/v1/*', portier.middleware);
  app.onError(portier.onError);
  app.notFound(portier.notFound);
  app.get('/v1/projects', (c) => {
    const { account, correlationId } = c.get('portier');
    return c.json({ projects: projects.list(account!.id), correlationId });
  });
  app.post('/v1/projects', async (c) => {
    const { account, plan } = c.get('portier');
    const project = projects.create(account!.id, (await c.req.json<{ name: string }>()).name);
    if (project === undefined) throw portierError('entity_limit_reached', { plan: plan ?? '', entity: 'projects', limit: projects.perAccount, usage: projects.perAccount });
    return c.json(project, 201);
  });
  return listenApp(createAdaptorServer({ fetch: app.fetch }) as Server, port, portier);
}

/** `npm run example:hono`: start it, make the demo account and keys, print the guide. */
async function main(): Promise<RunningApp> {
  const running = await startHonoApp();
  printGuide(appGuideLines('Projects API on Hono', running.url, running.keys));
  return running;
}

runIfMain(import.meta.url, main);
