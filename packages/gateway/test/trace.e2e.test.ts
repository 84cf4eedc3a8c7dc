import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { waitFor } from './helpers/wait-for.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';
import { runCli } from './helpers/cli.js';
import { refusingPort, type RefusingPort } from './helpers/ports.js';

let upstream: TestUpstream;
let portier: TestGateway;
let secret: string;
let accountId: string;
let pushAttempts = 0;
let nothing: RefusingPort;

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url === '/push' && ++pushAttempts === 1) return json(res, 503, { message: 'busy' });
    json(res, req.url === '/push' ? 201 : 200, { ok: true });
  });
  nothing = await refusingPort();
  const config = {
    auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
    plans: { free: {} },
    operations: { retry: { baseDelayMs: 20, maxDelayMs: 50 } },
    upstreams: { app: { url: upstream.url }, gone: { url: `http://127.0.0.1:${nothing.port}` } },
    routes: [
      { id: 'ok', path: '/ok', upstream: 'app', auth: {} },
      { id: 'down', path: '/down', upstream: 'gone' },
      { id: 'push', path: '/push', methods: ['POST'], upstream: 'app', auth: {}, async: {} },
    ],
  };
  portier = await startGateway(config);
  const admin = adminOf(portier, config);
  const account = await admin.createAccount('Acme', 'free');
  accountId = account.id;
  secret = (await admin.createKey({ accountId, name: 'ci' })).secret;
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
  await nothing.release();
});

describe('portier trace', () => {
  it('trace: finds a request by its correlation ID in the log, with its account and key id, and the async work it started', async () => {
    const plain = randomUUID();
    const answered = await request(`${portier.url}/ok`, { headers: { authorization: `Bearer ${secret}`, 'x-correlation-id': plain } });
    await answered.body.dump();
    const asynchronous = randomUUID();
    const accepted = await request(`${portier.url}/push`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'x-correlation-id': asynchronous }, body: '{}' });
    const location = String(accepted.headers['location']);
    await accepted.body.dump();
    await waitFor(
      async () => {
        const polled = await request(`${portier.url}${location}`, { headers: { authorization: `Bearer ${secret}` } });
        return ((await polled.body.json()) as { status: string }).status;
      },
      { what: 'the pushed operation Success', until: (status) => status === 'Success' },
    );
    const file = join(mkdtempSync(join(tmpdir(), 'portier-trace-')), 'portier.log');
    writeFileSync(file, ['not json', ...portier.logText().split('\n'), '{"broken":'].join('\n'));

    const text = await runCli(['trace', plain, '--log', file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`GET /ok {2}-> 200 {2}route ok {2}account ${accountId} key \\w{8} {2}[\\d.]+ ms`));
    expect(text.stdout).not.toContain(secret);
    expect(text.stdout.trim().split('\n')).toHaveLength(1);

    const story = await runCli(['trace', asynchronous, '--log', file, '--json']);
    expect(story.code).toBe(0);
    const lines = JSON.parse(story.stdout) as Record<string, unknown>[];
    expect(lines.map((line) => line['msg'])).toEqual(['request', 'operation attempt failed', 'operation finished']);
    expect(lines[0]).toMatchObject({ method: 'POST', path: '/push', status: 202, account: accountId });
    expect(lines[1]).toMatchObject({ code: 'service_unavailable', attempt: 1 });
    expect(lines[2]).toMatchObject({ status: 'Success', attempts: 2, operationId: location.split('/').at(-1) });

    const piped = await runCli(['trace', plain], {}, portier.logText());
    expect(piped.stdout).toContain('GET /ok');
  });

  it('trace: an upstream failure names the upstream and the kind of failure', async () => {
    const id = randomUUID();
    const answered = await request(`${portier.url}/down`, { headers: { 'x-correlation-id': id } });
    await answered.body.dump();
    expect(answered.statusCode).toBe(502);
    const traced = await runCli(['trace', id], {}, portier.logText());
    expect(traced.code).toBe(0);
    const lines = traced.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/ {2}warn: upstream failed {2}upstream gone {2}failure Error ECONNREFUSED$/);
    expect(lines[1]).toMatch(/GET \/down {2}-> 502 {2}bad_gateway {2}route down/);
  });

  it('trace: says so (exit 1) when no line has the ID, and exit 2 when the log cannot be read', async () => {
    const missing = await runCli(['trace', randomUUID()], {}, portier.logText());
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^no log line has the correlation ID [0-9a-f-]{36} in standard input\n$/);
    const unreadable = await runCli(['trace', randomUUID(), '--log', '/nonexistent/portier.log']);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain('cannot read /nonexistent/portier.log');
  });
});
