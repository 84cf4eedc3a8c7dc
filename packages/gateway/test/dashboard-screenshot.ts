// Writes docs/images/dashboard.png: a real gateway with usage metering, an hour of made-up but real
// traffic (a manual clock moves a minute at a time; every request goes over a socket), then the
// dashboard in headless Chromium. Run: npx tsx packages/gateway/test/dashboard-screenshot.ts
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { launchChromium } from './helpers/chromium.js';
import { ManualClock, startGateway } from './helpers/gateway.js';
import { json, startUpstream } from './helpers/upstream.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';

const output = resolve(dirname(fileURLToPath(import.meta.url)), '../../../docs/images/dashboard.png');
const token = 'admin-token-for-the-dashboard-screenshot';
const minutes = 60;

/** A repeatable pseudo-random sequence, so the picture is the same on every run. */
let seed = 19;
const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;

// The upstream is slower now and then, and fails for a few minutes: the latency and owner charts show it.
let slowMs = 0;
let failing = false;
const upstream = await startUpstream(async (req, res) => {
  const delay = random() < 0.1 ? slowMs * 4 : random() * slowMs;
  if (delay >= 1) await new Promise((done) => setTimeout(done, delay));
  if (failing && req.url?.startsWith('/v1/rows') === true && random() < 0.5) return json(res, 503, { message: 'database is down' });
  json(res, 200, { ok: true });
});
const clock = new ManualClock(Math.floor(Date.now() / 60_000) * 60_000 - (minutes - 1) * 60_000);
const config = {
  admin: { port: 0, token },
  auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
  plans: { free: { limits: [{ name: 'burst', limit: 7, per: 'minute', algorithm: 'fixed', by: ['account'] }] }, pro: { features: ['export'] } },
  upstreams: { app: { url: upstream.url, errors: 'normalize' }, billing: { url: upstream.url } },
  routes: [
    { id: 'list-rows', path: '/v1/rows', methods: ['GET'], upstream: 'app', auth: {} },
    { id: 'create-row', path: '/v1/rows', methods: ['POST'], upstream: 'app', auth: {} },
    { id: 'search', path: '/v1/search', upstream: 'app', auth: {} },
    { id: 'export', path: '/v1/export', upstream: 'billing', auth: { feature: 'export' } },
  ],
};
const portier = await startGateway(config, { clock });
const admin = adminOf(portier, config);
const accounts: { name: string; plan: string; weight: number; secret?: string }[] = [
  { name: 'Acme', plan: 'pro', weight: 5 },
  { name: 'Globex', plan: 'free', weight: 4 },
  { name: 'Initech', plan: 'free', weight: 2 },
  { name: 'Umbrella', plan: 'pro', weight: 3 },
  { name: 'Hooli', plan: 'pro', weight: 1 },
];
for (const account of accounts) {
  const { id } = await admin.createAccount(account.name, account.plan);
  account.secret = (await admin.createKey({ accountId: id, name: 'prod' })).secret;
}
const weighted = accounts.flatMap((account) => Array.from({ length: account.weight }, () => account));
const routes = [
  { path: '/v1/rows', method: 'GET' as const },
  { path: '/v1/rows', method: 'GET' as const },
  { path: '/v1/rows', method: 'POST' as const },
  { path: '/v1/search', method: 'GET' as const },
  { path: '/v1/export', method: 'GET' as const },
];
let lastError = '';
for (let minute = 0; minute < minutes; minute++) {
  slowMs = minute > 38 && minute < 46 ? 40 : 6;
  failing = minute > 40 && minute < 45;
  const load = Math.round(25 + 18 * Math.sin(minute / 7) + random() * 10);
  const batch: Promise<void>[] = [];
  for (let i = 0; i < load; i++) {
    const account = weighted[Math.floor(random() * weighted.length)];
    const route = routes[Math.floor(random() * routes.length)];
    if (account === undefined || route === undefined) continue;
    // Free accounts mostly know that export is not in their plan.
    if (route.path === '/v1/export' && account.plan === 'free' && random() < 0.85) continue;
    const anonymous = random() < 0.03;
    batch.push(
      request(`${portier.url}${route.path}`, { method: route.method, headers: anonymous ? {} : { authorization: `Bearer ${account.secret}` } }).then(async (response) => {
        await response.body.dump();
        if (response.statusCode >= 500) lastError = String(response.headers['x-correlation-id']);
      }),
    );
    if (batch.length >= 8) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  if (minute < minutes - 1) clock.advance(60_000);
}
clock.advance(30_000);

const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
await page.goto(`${portier.gateway.adminUrl}/dashboard`);
await page.getByLabel('Admin token').fill(token);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.waitForSelector('body[data-loaded]');
await page.getByRole('button', { name: 'Pause' }).click();
await page.getByLabel('Correlation ID').fill(lastError);
await page.getByRole('button', { name: 'Show its story' }).click();
await page.waitForSelector('#story li');
mkdirSync(dirname(output), { recursive: true });
await page.screenshot({ path: output, fullPage: true });
await browser.close();
await portier.close();
await upstream.close();
console.log(`wrote ${output}`);
