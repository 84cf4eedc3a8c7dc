import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { runCli } from './helpers/cli.js';
import { waitFor } from './helpers/wait-for.js';

/**
 * A running gateway and the CLI (another process) on one SQLite file, with a `per: day` limit so the
 * gateway writes rate-limit snapshots into that file too: what the CLI changes is still seen.
 */
let upstream: TestUpstream;
let portier: TestGateway;
let configFile = '';

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 200, { ok: true }));
  const dir = mkdtempSync(join(tmpdir(), 'portier-key-cache-cli-'));
  const config = {
    auth: { instance: 'eu1', store: { sqlitePath: join(dir, 'portier.db') } },
    plans: { free: { limits: [{ name: 'day', limit: 1000, per: 'day', by: ['key'] }] } },
    upstreams: { app: { url: upstream.url } },
    routes: [{ id: 'rows', path: '/rows', upstream: 'app', auth: {} }],
  };
  configFile = join(dir, 'portier.yaml');
  writeFileSync(configFile, stringify(config));
  portier = await startGateway(config);
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

async function cli(args: string[]): Promise<string> {
  const result = await runCli([...args, '--config', configFile]);
  if (result.code !== 0) throw new Error(`portier ${args.join(' ')}: exit ${String(result.code)}: ${result.stderr}`);
  return result.stdout;
}

async function accountWithKey(): Promise<{ accountId: string; keyId: string; secret: string }> {
  const account = JSON.parse(await cli(['accounts', 'create', '--name', `acct-${Math.random()}`, '--plan', 'free', '--json'])) as { id: string };
  const issued = JSON.parse(await cli(['keys', 'create', '--account', account.id, '--name', 'ci', '--json'])) as { key: { id: string }; secret: string };
  return { accountId: account.id, keyId: issued.key.id, secret: issued.secret };
}

async function status(secret: string): Promise<number> {
  const response = await request(`${portier.url}/rows`, { headers: { authorization: `Bearer ${secret}` } });
  await response.body.dump();
  return response.statusCode;
}

/** Asks every 50 ms for up to 5 s (ten change checks) until the answer is no longer 200. */
async function firstRefusal(secret: string): Promise<number> {
  let answer = 200;
  for (let attempt = 0; attempt < 100 && answer === 200; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    answer = await status(secret);
  }
  return answer;
}

describe('key cache and the CLI', () => {
  it('key cache: a key revoked with `portier keys revoke` is refused by the running gateway within the change poll', async () => {
    const { keyId, secret } = await accountWithKey();
    expect(await status(secret)).toBe(200);
    // Cached, once the change poll has also seen the CLI's own writes (it may empty the cache after the
    // first request): without a change check emptying the cache, it would then stay 200.
    await waitFor(async () => (await status(secret)) === 200 && (portier.gateway.keys?.stats().cachedKeys ?? 0) > 0, { what: 'the key cached by the gateway' });
    await cli(['keys', 'revoke', keyId]);
    expect(await firstRefusal(secret)).toBe(403);
    await expectProblem(await request(`${portier.url}/rows`, { headers: { authorization: `Bearer ${secret}` } }), 403, 'key_revoked');
  });

  it('key cache: every key of an account disabled with `portier accounts disable` is refused by the running gateway within the change poll', async () => {
    const { accountId, secret } = await accountWithKey();
    expect(await status(secret)).toBe(200);
    await cli(['accounts', 'disable', accountId]);
    expect(await firstRefusal(secret)).toBe(403);
    await expectProblem(await request(`${portier.url}/rows`, { headers: { authorization: `Bearer ${secret}` } }), 403, 'account_disabled');
  });
});
