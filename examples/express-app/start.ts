import { createServer } from 'node:http';
import express from 'express';
import { createPortier, portierError } from 'portier/express';
import { exampleConfig, examplePort, listenApp, type RunningApp } from '../shared/app-example.js';
import { appGuideLines } from '../shared/app-guide.js';
import { Projects } from '../shared/projects.js';
import { printGuide, runIfMain } from '../shared/start-example.js';

/** A small projects API on Express, every route under /v1 guarded by Portier in-process. */
export async function startExpressApp(port = examplePort()): Promise<RunningApp> {
  const { file, env } = exampleConfig(import.meta.url);
  const projects = new Projects();
  const portier = createPortier(file, {
    env,
    operations: {
      // The work of the async route, run by Portier's worker after the 202 (poll GET /v1/operations/<id>).
      // A read, so a second attempt of the same operation does no harm.
      'projects-export': (job) => {
        const project = projects.list(job.accountId).find((item) => item.id === job.params['projectId']);
        // A final 4xx: the operation ends Failed, with this answer as its result.
        if (project === undefined) return { status: 404, body: { message: 'no such project' } };
        return { status: 200, body: { project, operationId: job.operationId, exportedAt: new Date().toISOString() } };
      },
    },
  });
  const app = express();
  app.get('/', (_req, res) => res.send('Projects API (Express): see the guide printed at start.\n'));
  app.use('/v1', portier.middleware);
  app.use(express.json());
  app.get('/v1/projects', (req, res) => {
    const { account, correlationId } = req.portier!;
    res.json({ projects: projects.list(account!.id), correlationId });
  });
  app.post('/v1/projects', (req, res) => {
    const { account, plan } = req.portier!;
    const project = projects.create(account!.id, (req.body as { name: string }).name);
    if (project === undefined) throw portierError('entity_limit_reached', { plan: plan ?? '', entity: 'projects', limit: projects.perAccount, usage: projects.perAccount });
    res.status(201).json(project);
  });
  app.use(portier.errorHandler);
  return listenApp(createServer(app), port, portier);
}

/** `npm run example:express`: start it, make the demo account and keys, print the guide. */
async function main(): Promise<RunningApp> {
  const running = await startExpressApp();
  printGuide(appGuideLines('Projects API on Express', running.url, running.keys));
  return running;
}

runIfMain(import.meta.url, main);
