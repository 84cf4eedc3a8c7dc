// npm run bench:memory:heap: heap bytes per cached API key and per in-process rate-limit counter, measured
// after full collections (issue 22's bounds: 500 bytes a cached key, 200 a counter, at 100,000 keys).
// RSS (`npm run bench:memory`) says what a whole gateway costs; this says what each structure keeps.
// 100 keys an account, as bench/seed-keys.ts makes them; the counters are keyed as the rate-limit
// policy keys a plan limit by key (`p:<plan>:<limit>|<key id>`), one per window and key.
// Environment: MEMORY_KEYS (default 100000). Needs `--expose-gc` (the npm script passes it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { KeyDirectory, defaultKeyCache } from '../packages/gateway/dist/accounts/key-directory.js';
import { SqliteAccountStore } from '../packages/gateway/dist/accounts/store/sqlite-account-store.js';
import { systemClock } from '../packages/gateway/dist/clock.js';
import { compileLimit } from '../packages/gateway/dist/policies/rate-limit/compile-limits.js';
import { LocalCounters } from '../packages/gateway/dist/policies/rate-limit/local-counters.js';

const count = Number(process.env['MEMORY_KEYS'] ?? 100_000);
const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error('run with node --expose-gc (npm run bench:memory:heap)');

/** Heap, buffers outside it and array buffers, after two full collections. */
function retained(): number {
  collect?.();
  collect?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'portier-memory-heap-'));
  const store = new SqliteAccountStore(join(dir, 'portier.db'), systemClock);
  const policy = { instance: 'eu1', environment: 'live' as const, maxKeysPerAccount: 100, rotationGraceMs: 0 };
  const ids: string[] = [];
  let accountId = '';
  for (let i = 0; i < count; i++) {
    if (i % 100 === 0) accountId = (await store.createAccount({ name: `bench-${i / 100}`, plan: 'standard' }, 'bench')).id;
    ids.push((await store.createKey({ accountId, name: `k${i % 100}`, scopes: ['rows:read'], bindings: ['b1'], expiresAt: undefined }, policy, 'bench')).key.id);
  }
  const directory = new KeyDirectory(store, systemClock, pino({ level: 'silent' }), { ...defaultKeyCache, maxKeys: count });
  await directory.started;

  const beforeKeys = retained();
  for (const id of ids) await directory.lookup(id);
  const afterKeys = retained();
  const cached = directory.stats().cachedKeys;

  const windows = [compileLimit({ name: 'minute', limit: 300, per: 'minute', algorithm: 'sliding', timeZone: 'UTC', by: ['key'], whenStoreDown: 'local' }), compileLimit({ name: 'day', limit: 5000, per: 'day', algorithm: 'sliding', timeZone: 'UTC', by: ['key'], whenStoreDown: 'local' })];
  const counters = new LocalCounters(10 * count);
  const beforeCounters = retained();
  const now = Date.now();
  for (const id of ids) {
    const checks = windows.map((limit) => {
      let counterKey = `p:standard:${limit.name}`;
      counterKey += `|${id}`;
      return { limit, counterKey };
    });
    counters.decide(checks, 1, now);
  }
  const afterCounters = retained();

  console.log(`${cached} cached keys: ${Math.round((afterKeys - beforeKeys) / cached)} bytes a key (bound: 500)`);
  console.log(`${counters.size} counters: ${Math.round((afterCounters - beforeCounters) / counters.size)} bytes a counter (bound: 200)`);
  await directory.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
