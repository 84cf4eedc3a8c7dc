import { appendFileSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createPortier } from '../../src/embed/express/index.js';

/**
 * An Express app with one async app route, `exports-create`, run as a child process by
 * async-app-crash.e2e.test.ts: `tsx async-app-child.ts <portier.yaml> <journal>`. Its handler
 * appends every attempt to the journal, and its side effect (`effect <id>`) once per operation id,
 * read back from the journal: how an app dedupes its at-least-once attempts. With
 * `HOLD_AFTER_EFFECT=1` an attempt writes `holding <id>` after its side effect and never answers, for
 * the test to kill the process while the attempt is in flight.
 */
const [configFile, journal] = process.argv.slice(2) as [string, string];
const hold = process.env['HOLD_AFTER_EFFECT'] === '1';

const portier = createPortier(configFile, {
  env: {},
  operations: {
    'exports-create': async (job) => {
      appendFileSync(journal, `attempt ${job.operationId} ${job.attempt}\n`);
      const done = readFileSync(journal, 'utf8').split('\n').includes(`effect ${job.operationId}`);
      if (!done) appendFileSync(journal, `effect ${job.operationId}\n`);
      if (hold) {
        appendFileSync(journal, `holding ${job.operationId}\n`);
        await new Promise<never>((_resolve, reject) => job.signal.addEventListener('abort', () => reject(job.signal.reason as Error)));
      }
      return { status: 201, body: { exportId: `exp-${job.operationId}`, attempt: job.attempt } };
    },
  },
});
const app = express();
app.use(portier.middleware);
app.use(portier.errorHandler);
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
process.stderr.write(`${JSON.stringify({ appListening: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
