// npm run bench:memory: resident memory of one gateway process before and after 100,000 distinct API
// keys each make one request (issue 14: 118 -> 420 MB, 3.2 KB a key, before the key cache had bounds).
// Runs three cases: the default bounds, `auth.keyCache.maxKeys: 10000`, and 100,000 random well-formed
// keys the store does not know, and a control of as many requests from 1,000 keys. MEMORY_CASES=1,3 runs
// only those (0-based). Each request goes through auth, a per-key limit counted in-process and
// the proxy. Environment: MEMORY_KEYS (default 100000), MEMORY_CONCURRENCY (default 64).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { generateKey } from '../packages/gateway/dist/accounts/keys/key-format.js';
import { seedKeys } from './seed-keys.js';

const count = Number(process.env['MEMORY_KEYS'] ?? 100_000);
const concurrency = Number(process.env['MEMORY_CONCURRENCY'] ?? 64);
const cli = fileURLToPath(new URL('../packages/gateway/dist/cli/main.js', import.meta.url));

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((entry) => entry.startsWith('VmRSS:')) ?? '';
  return Number(/(\d+)/.exec(line)?.[1] ?? 0) / 1024;
}

function startGateway(configFile: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [cli, 'start', '--config', configFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const url = /"url":"(http:[^"]+)"/.exec(seen)?.[1];
      if (url !== undefined) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve({ child, url });
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`portier exited with ${String(code)}`)));
  });
}

/** One request per key, `concurrency` at a time; returns the answers by status. */
async function oneEach(url: string, keys: readonly string[], dispatcher: Agent): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < keys.length) {
        const key = keys[next++] as string;
        const response = await request(`${url}/rows`, { headers: { authorization: `Bearer ${key}` }, dispatcher });
        await response.body.dump();
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
      }
    }),
  );
  return statuses;
}

async function main(): Promise<void> {
  const upstream = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'portier-memory-'));
  const db = join(dir, 'portier.db');
  const config = (keyCache: string): string => `server: { port: 0 }
auth:
  instance: eu1
  maxKeysPerAccount: 100
  store: { sqlitePath: ${db} }
${keyCache}
plans:
  standard: { limits: [{ name: minute, limit: 1000, per: minute, by: [key] }] }
upstreams: { app: { url: "${upstreamUrl}" } }
routes: [{ id: rows, path: /rows, upstream: app, auth: { scopes: [rows:read] } }]
`;
  const base = join(dir, 'base.yaml');
  writeFileSync(base, config(''));
  const started = Date.now();
  const keys = await seedKeys(base, count);
  console.log(`seeded ${keys.length} keys in ${Math.round((Date.now() - started) / 1000)} s`);
  const unknown = Array.from({ length: count }, () => generateKey({ instance: 'eu1', environment: 'live' }).secret);
  const cases: { name: string; keyCache: string; keys: readonly string[] }[] = [
    { name: `${count} keys, default bounds (maxKeys 100000)`, keyCache: '', keys },
    { name: `${count} keys, keyCache.maxKeys 10000`, keyCache: '  keyCache: { maxKeys: 10000 }', keys },
    { name: `${count} unknown keys, default bounds`, keyCache: '', keys: unknown },
    // The control: as many requests, from the 1,000 keys of the warm-up only (what requests cost, not keys).
    { name: `${count} requests from 1000 keys`, keyCache: '', keys: Array.from({ length: count }, (_, i) => keys[i % 1000] as string) },
  ];
  const only = process.env['MEMORY_CASES']?.split(',').map(Number);
  for (const [index, entry] of cases.entries()) {
    if (only !== undefined && !only.includes(index)) continue;
    const file = join(dir, 'case.yaml');
    writeFileSync(file, config(entry.keyCache));
    const gateway = await startGateway(file);
    const dispatcher = new Agent({ connections: concurrency });
    try {
      // Warm up on 1,000 keys (JIT, pools, first allocations), then measure the rest.
      await oneEach(gateway.url, entry.keys.slice(0, 1000), dispatcher);
      const pid = gateway.child.pid as number;
      const before = rssMb(pid);
      const statuses = await oneEach(gateway.url, entry.keys.slice(1000), dispatcher);
      const after = rssMb(pid);
      const perKey = ((after - before) * 1024 * 1024) / (entry.keys.length - 1000);
      console.log(`${entry.name}: RSS ${before.toFixed(0)} MB -> ${after.toFixed(0)} MB (${perKey.toFixed(0)} bytes a key); answers ${JSON.stringify(statuses)}`);
    } finally {
      await dispatcher.close();
      gateway.child.kill('SIGTERM');
      await new Promise((resolve) => gateway.child.once('exit', resolve));
    }
  }
  upstream.close();
}

await main();
