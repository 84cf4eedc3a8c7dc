import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { request } from 'undici';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../src/clock.js';
import { SqliteOperationQueue } from '../src/operations/sqlite-operation-queue.js';
import { outsideAdmin } from './helpers/accounts.js';
import { waitFor, within } from './helpers/wait-for.js';

// tsx's loader in the app's own process (its CLI would run a grandchild that a SIGKILL of the child leaves running).
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
const childPath = fileURLToPath(new URL('./helpers/async-app-child.ts', import.meta.url));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface RunningChild {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  readonly exited: Promise<unknown>;
}

/** Starts the Express app of async-app-child.ts and waits for it to listen. */
function startChild(configFile: string, journal: string, env: NodeJS.ProcessEnv): Promise<RunningChild> {
  const child = spawn(process.execPath, ['--import', tsxLoader, childPath, configFile, journal], { env: { ...process.env, ...env } });
  cleanups.push(() => void child.kill('SIGKILL'));
  const exited = new Promise((resolve) => child.on('close', resolve));
  let output = '';
  const listening = new Promise<RunningChild>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /\{"appListening":"(http:[^"]+)"\}/.exec(output);
      if (match !== null) resolve({ child, url: match[1] as string, output: () => output, exited });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => reject(new Error(`the app exited before listening:\n${output}`)));
  });
  return within(listening, 'the Express app listening', 30_000);
}

describe('async app routes survive a crash', () => {
  it('async app route: an operation whose app was SIGKILLed mid-attempt is completed once after a restart on the same SQLite file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portier-app-crash-'));
    const sqlitePath = join(dir, 'portier.db');
    const journal = join(dir, 'journal.txt');
    writeFileSync(journal, '');
    const config = {
      auth: { instance: 'eu1', store: { sqlitePath } },
      plans: { free: {} },
      // The restarted app takes the operation over once the dead one's lease has run out.
      operations: { leaseMs: 1500, retry: { baseDelayMs: 10, maxDelayMs: 50 } },
      routes: [{ id: 'exports-create', path: '/exports', methods: ['POST'], app: true, auth: {}, async: {} }],
    };
    const configFile = join(dir, 'portier.yaml');
    writeFileSync(configFile, stringify(config));
    const { admin, close } = outsideAdmin(config, systemClock);
    const account = await admin.createAccount('crash', 'free');
    const secret = (await admin.createKey({ accountId: account.id, name: 'k' })).secret;
    close();
    const store = new SqliteOperationQueue(sqlitePath, systemClock);
    cleanups.push(() => store.close());
    const journalLines = (): string[] => readFileSync(journal, 'utf8').split('\n').filter((line) => line !== '');

    // First run: the attempt does its side effect, then hangs; the process is killed right there.
    const first = await startChild(configFile, journal, { HOLD_AFTER_EFFECT: '1' });
    const accepted = await request(`${first.url}/exports`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: '{}' });
    expect(accepted.statusCode).toBe(202);
    const { id } = (await accepted.body.json()) as { id: string };
    await waitFor(journalLines, { what: 'the first attempt holding after its side effect', until: (lines) => lines.includes(`holding ${id}`) });
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await store.get(id)).toMatchObject({ status: 'Pending', attempts: 1 });

    // Second run, same file: the worker takes the operation over and completes it.
    const second = await startChild(configFile, journal, {});
    const polled = await waitFor(
      async () => {
        const response = await request(`${second.url}/operations/${id}`, { headers: { authorization: `Bearer ${secret}` } });
        return (await response.body.json()) as { status: string; attempts: number };
      },
      { what: 'the operation finished after the restart', until: (operation) => operation.status !== 'Pending' },
    );
    expect(polled).toMatchObject({ status: 'Success', attempts: 2 });
    const result = await request(`${second.url}/operations/${id}/result`, { headers: { authorization: `Bearer ${secret}` } });
    expect(result.statusCode).toBe(201);
    expect(await result.body.json()).toEqual({ exportId: `exp-${id}`, attempt: 2 });

    // Two attempts, one side effect (the app deduped by operation id), one completion in the store and the log.
    const lines = journalLines();
    expect(lines.filter((line) => line.startsWith(`attempt ${id} `))).toEqual([`attempt ${id} 1`, `attempt ${id} 2`]);
    expect(lines.filter((line) => line === `effect ${id}`)).toHaveLength(1);
    const stored = await store.get(id);
    expect(stored).toMatchObject({ status: 'Success', attempts: 2, result: { status: 201 } });
    expect(stored?.completedAt).toBeDefined();
    const finishedLine = new RegExp(`"operationId":"${id}","status":"Success"[^\\n]*"msg":"operation finished"`, 'g');
    await waitFor(() => second.output().match(finishedLine)?.length ?? 0, { what: 'the restarted app logging the operation finished' });
    expect(second.output().match(finishedLine)).toHaveLength(1);
    expect(first.output()).not.toMatch(finishedLine);
  }, 60_000);
});
