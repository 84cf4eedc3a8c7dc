import Fastify from 'fastify';
import { portierError, portierPlugin } from 'portier/fastify';
import { createDemoKeys, exampleConfig, examplePort, type RunningApp } from '../shared/app-example.js';
import { appGuideLines } from '../shared/app-guide.js';
import { Projects } from '../shared/projects.js';
import { printGuide, runIfMain } from '../shared/start-example.js';

/** A small projects API on Fastify, every request of the instance run through Portier's stages first. */
export async function startFastifyApp(port = examplePort()): Promise<RunningApp> {
  const { file, env } = exampleConfig(import.meta.url);
  const projects = new Projects();
  const app = Fastify();
  await app.register(portierPlugin, { config: file, env });
  app.get('/v1/projects', async (request) => {
    const { account, correlationId } = request.portier!;
    return { projects: projects.list(account!.id), correlationId };
  });
  app.post('/v1/projects', async (request, reply) => {
    const { account, plan } = request.portier!;
    const project = projects.create(account!.id, (request.body as { name: string }).name);
    if (project === undefined) throw portierError('entity_limit_reached', { plan: plan ?? '', entity: 'projects', limit: projects.perAccount, usage: projects.perAccount });
    return reply.code(201).send(project);
  });
  const url = await app.listen({ port, host: '127.0.0.1' });
  return {
    url,
    keys: await createDemoKeys(app.portier),
    // app.close() closes Portier's stores too.
    close: () => app.close(),
  };
}

/** `npm run example:fastify`: start it, make the demo account and keys, print the guide. */
async function main(): Promise<RunningApp> {
  const running = await startFastifyApp();
  printGuide(appGuideLines('Projects API on Fastify', running.url, running.keys));
  return running;
}

runIfMain(import.meta.url, main);
