// Micro-benchmark of the api-key-auth hot path (credential extraction, key parsing, checksum, hash
// check, cache lookup) without any network: `npm run bench:micro`. Prints ns per call.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { AccountAdmin } from '../packages/gateway/dist/admin/account-admin.js';
import { KeyDirectory } from '../packages/gateway/dist/accounts/key-directory.js';
import { SqliteAccountStore } from '../packages/gateway/dist/accounts/store/sqlite-account-store.js';
import { parseConfig } from '../packages/gateway/dist/config-loader/load-config.js';
import type { AuthConfig, PortierConfig } from '../packages/gateway/dist/config/config-types.js';
import { credentialRules } from '../packages/gateway/dist/policies/api-key-auth/extract-credential.js';
import { createApiKeyAuthPolicy } from '../packages/gateway/dist/policies/api-key-auth/policy.js';
import { RequestContext } from '../packages/gateway/dist/pipeline/request-context.js';

const clock = { now: () => Date.now() };
const dir = mkdtempSync(join(tmpdir(), 'portier-micro-'));
const loaded = parseConfig(
  `auth: { instance: bench, maxKeysPerAccount: 100, store: { sqlitePath: "${join(dir, 'p.db')}" } }
plans: { standard: {} }
upstreams: { app: { url: "http://127.0.0.1:9" } }
routes: [{ id: r, path: /r, upstream: app, auth: {} }]
`,
  'micro.yaml',
  {},
);
if (!loaded.ok) throw new Error('bad micro config');
const config = loaded.config as PortierConfig & { auth: AuthConfig };
const store = new SqliteAccountStore(config.auth.store.sqlitePath, clock);
const admin = new AccountAdmin(store, config, 'micro');
const secrets: string[] = [];
for (let a = 0; a < 100; a++) {
  const account = await admin.createAccount(`a${a}`, 'standard');
  for (let k = 0; k < 100; k++) secrets.push((await admin.createKey({ accountId: account.id, name: `k${k}` })).secret);
}
const directory = new KeyDirectory(store, clock, pino({ level: 'silent' }));
const policy = createApiKeyAuthPolicy({ required: true, scopes: [] }, { auth: config.auth, rules: credentialRules(config.auth.schemes, config.auth.header), directory, clock }, { acceptTokens: true });

const requests = secrets.map((secret) => ({ headers: { authorization: `Bearer ${secret}` } }) as unknown as IncomingMessage);
const res = {} as ServerResponse;
async function run(iterations: number, keyCount: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const ctx = new RequestContext(requests[i % keyCount] as IncomingMessage, res, 0);
    let decision = policy.handle(ctx);
    if (decision instanceof Promise) decision = await decision;
    if (decision !== undefined) throw new Error(`auth failed: ${typeof decision === 'symbol' ? 'answered' : decision.code}`);
  }
  return ((performance.now() - started) * 1e6) / iterations;
}
for (const keyCount of [1, secrets.length]) {
  await run(50_000, keyCount); // warm-up, and every key loaded into the cache
  const samples = [await run(200_000, keyCount), await run(200_000, keyCount), await run(200_000, keyCount)].sort((a, b) => a - b);
  console.log(`api-key-auth, ${keyCount} key(s), cached, Bearer: ${Math.round(samples[1] as number)} ns per request (median of 3 runs of 200,000)`);
}
await directory.close();
store.close();
