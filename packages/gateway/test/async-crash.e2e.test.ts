import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';
import { systemClock } from '../src/clock.js';
import { SqliteOperationQueue } from '../src/operations/sqlite-operation-queue.js';
import { runCli, startCli, type RunningCli } from './helpers/cli.js';
import { waitFor, within } from './helpers/wait-for.js';
import { json, startUpstream } from './helpers/upstream.js';
import { outsideAdmin } from './helpers/accounts.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

describe('async operations survive a crash', () => {
  it('a gateway SIGKILLed with 100 operations queued finishes all of them after restart, each applied once by the upstream', async () => {
    // An idempotent upstream, as the queue's at-least-once delivery expects: it applies each
    // Idempotency-Key once and answers a repeat from what it stored. A request answered just before the
    // kill, whose success the gateway had no time to record, is sent again after the restart; that is
    // only safe because the retry carries the same key, which is what this test pins. After the first
    // 10, it holds requests until `release`, so the kill always finds some in flight; a held request
    // whose gateway died is not applied (its connection is gone).
    const applied = new Set<string>();
    const requestsPerKey = new Map<string, number>();
    let release: () => void = () => undefined;
    let isReleased = false;
    const released = new Promise<void>((resolve) => (release = resolve)).then(() => (isReleased = true));
    let arrivals = 0;
    let reachMidWork!: () => void;
    const midWork = new Promise<void>((resolve) => (reachMidWork = resolve));
    const checkMidWork = (): void => {
      if (applied.size >= 10 && arrivals > 10) reachMidWork();
    };
    const upstream = await startUpstream(async (req, res) => {
      const key = String(req.headers['idempotency-key']);
      requestsPerKey.set(key, (requestsPerKey.get(key) ?? 0) + 1);
      // Decided on arrival, so that exactly the first 10 are applied before the kill.
      const hold = !isReleased && arrivals++ >= 10;
      checkMidWork();
      if (hold) {
        await released;
        if (req.socket.destroyed) return;
      }
      applied.add(key);
      checkMidWork();
      json(res, 201, { id: key });
    });
    cleanups.push(() => upstream.close());

    const dir = mkdtempSync(join(tmpdir(), 'portier-crash-'));
    const sqlitePath = join(dir, 'portier.db');
    const config = {
      server: { port: 0 },
      auth: { instance: 'eu1', store: { sqlitePath } },
      plans: { free: {} },
      // A lease long enough that a slow first attempt on a loaded machine is not taken over while it runs.
      operations: { concurrency: 4, leaseMs: 3000, retry: { baseDelayMs: 10, maxDelayMs: 50 } },
      upstreams: { app: { url: upstream.url } },
      routes: [{ id: 'push', path: '/push', methods: ['POST'], upstream: 'app', auth: {}, async: {} }],
    };
    const file = join(dir, 'portier.yaml');
    writeFileSync(file, stringify(config));
    const { admin, close } = outsideAdmin(config, systemClock);
    const account = await admin.createAccount('crash', 'free');
    const secret = (await admin.createKey({ accountId: account.id, name: 'k' })).secret;
    close();

    const listening = /"url":"(http:[^"]+)","msg":"listening"/;
    const start = async (): Promise<RunningCli> => {
      const running = await startCli(['start', '--config', file], {}, listening);
      cleanups.push(() => void running.child.kill('SIGKILL'));
      return running;
    };

    const first = await start();
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const response = await request(`${first.url}/push`, { method: 'POST', headers: { authorization: `Bearer ${secret}` }, body: JSON.stringify({ n: i }) });
        expect(response.statusCode).toBe(202);
        ids.push(((await response.body.json()) as { id: string }).id);
      }),
    );
    // Kill it in the middle of the work: 10 operations done, some held in flight, most queued.
    await within(midWork, '10 operations applied and more held in flight');
    first.child.kill('SIGKILL');
    await first.exited;
    expect(applied.size).toBe(10);

    release();
    await released;
    await start();
    const store = new SqliteOperationQueue(sqlitePath, systemClock);
    cleanups.push(() => store.close());
    const statuses = async (): Promise<(string | undefined)[]> => Promise.all(ids.map(async (id) => (await store.get(id))?.status));
    await waitFor(statuses, { what: 'all 100 operations Success after the restart', until: (seen) => seen.every((status) => status === 'Success') });
    // Every operation reached the upstream under its own key, so the upstream applied each once...
    expect(applied.size).toBe(100);
    expect([...requestsPerKey.keys()].sort()).toEqual([...ids].sort());
    // ...and the only repeats are re-sends of the few that were in flight at the kill (at most the
    // worker's concurrency), each sent twice at most.
    const resent = [...requestsPerKey.values()].filter((count) => count > 1);
    expect(resent.length).toBeGreaterThan(0);
    expect(resent.length).toBeLessThanOrEqual(4);
    expect(Math.max(...requestsPerKey.values())).toBeLessThanOrEqual(2);

    // Operators see the same queue from the CLI.
    const stats = JSON.parse((await runCli(['operations', 'stats', '--config', file, '--json'])).stdout) as { byStatus: Record<string, number> };
    expect(stats.byStatus).toEqual({ Pending: 0, Success: 100, Failed: 0, TimedOut: 0 });
    const listed = await runCli(['operations', 'list', '--account', account.id, '--limit', '3', '--config', file]);
    expect(listed.stdout.split('\n').filter((line) => line.includes('Success'))).toHaveLength(3);
    const shown = await runCli(['operations', 'show', ids[0] ?? '', '--config', file, '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: ids[0], status: 'Success', resultStatus: 201, account: account.id });
    const missing = await runCli(['operations', 'show', 'nope', '--config', file]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('operation_not_found: There is no operation nope.\n');
  }, 90_000); // two gateway starts and a 3 s lease: on a busy CI box more than the default 30 s can pass
});
