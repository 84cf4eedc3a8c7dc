import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { destination } from 'pino';
import { request } from 'undici';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortier, type PortierExpress } from '../src/embed/express/index.js';
import { runCli } from './helpers/cli.js';
import { expectProblem } from './helpers/expect-problem.js';
import { waitFor } from './helpers/wait-for.js';

// One store and one log for both modes: the CLI (another process) works on an embedded app's SQLite
// file as on a gateway's, and `portier trace` reads the app's log file as it reads the gateway's.

let portier: PortierExpress;
let server: Server;
let appUrl = '';
let configFile = '';
let logFile = '';

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portier-embedded-cli-'));
  configFile = join(dir, 'portier.yaml');
  logFile = join(dir, 'portier.log');
  writeFileSync(
    configFile,
    stringify({
      auth: { instance: 'eu1', store: { sqlitePath: join(dir, 'portier.db') } },
      plans: { free: {} },
      routes: [{ id: 'projects-list', path: '/projects', methods: ['GET'], app: true, auth: { scopes: ['projects:read'] } }],
    }),
  );
  // The app's log to a file, as an operator would send it (pino's own file destination).
  portier = createPortier(configFile, { logDestination: destination({ dest: logFile, sync: true }), env: {} });
  const app = express();
  app.use('/v1', portier.middleware);
  app.get('/v1/projects', (req, res) => {
    res.json({ account: req.portier?.account?.id });
  });
  app.use(portier.errorHandler);
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await portier.close();
});

async function cli(args: string[]): Promise<string> {
  const result = await runCli([...args, '--config', configFile]);
  if (result.code !== 0) throw new Error(`portier ${args.join(' ')}: exit ${String(result.code)}: ${result.stderr}`);
  return result.stdout;
}

async function projects(secret: string): Promise<{ status: number; correlationId: string; body: string }> {
  const response = await request(`${appUrl}/v1/projects`, { headers: { authorization: `Bearer ${secret}` } });
  return { status: response.statusCode, correlationId: String(response.headers['x-correlation-id']), body: await response.body.text() };
}

describe('the CLI on an embedded app\'s store and log', () => {
  let accountId = '';
  /** Made by the CLI: one key for the app's requests, one that a test revokes. */
  let key = '';
  let doomed = { id: '', secret: '' };

  beforeAll(async () => {
    accountId = (JSON.parse(await cli(['accounts', 'create', '--name', 'acme', '--plan', 'free', '--json'])) as { id: string }).id;
    const issue = async (name: string): Promise<{ key: { id: string }; secret: string }> =>
      JSON.parse(await cli(['keys', 'create', '--account', accountId, '--name', name, '--scopes', 'projects:read', '--json'])) as { key: { id: string }; secret: string };
    key = (await issue('ci')).secret;
    const issued = await issue('doomed');
    doomed = { id: issued.key.id, secret: issued.secret };
  });

  it('embedded CLI: an account and a key made with `portier accounts create` and `portier keys create` on the app\'s config work in the app', async () => {
    const answer = await projects(key);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ account: accountId });
  });

  it('embedded CLI: a key revoked with `portier keys revoke` is refused by the app within the change poll', async () => {
    expect((await projects(doomed.secret)).status).toBe(200);
    await cli(['keys', 'revoke', doomed.id]);
    // The app's key cache learns of another process's write from the store's change marker, polled.
    await waitFor(() => projects(doomed.secret), { what: 'the revoked key refused by the app', until: (answer) => answer.status === 403 });
    await expectProblem(await request(`${appUrl}/v1/projects`, { headers: { authorization: `Bearer ${doomed.secret}` } }), 403, 'key_revoked');
  });

  it('embedded CLI: `portier trace` finds a request the app answered in the app\'s log file', async () => {
    const answered = await projects(key);
    expect(answered.status).toBe(200);
    // The access line is written when the request finishes, which may come just after the answer.
    await waitFor(() => readFileSync(logFile, 'utf8'), { what: 'the request in the log file', until: (text) => text.includes(answered.correlationId) });
    const result = await runCli(['trace', answered.correlationId, '--log', logFile]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`GET /projects {2}-> 200 {2}route projects-list {2}account ${accountId} key \\S+`));
  });

  it('embedded CLI: `portier trace` of an ID the app\'s log does not have says so, with exit status 1', async () => {
    const result = await runCli(['trace', 'no-such-request', '--log', logFile]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no log line has the correlation ID no-such-request');
  });
});
