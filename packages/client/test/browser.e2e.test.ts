import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, normalize } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../gateway/test/helpers/chromium.js';
import type { AccountAdmin } from '../../gateway/src/admin/account-admin.js';
import { startGateway, type TestGateway } from '../../gateway/test/helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../../gateway/test/helpers/upstream.js';
import { adminOf, tempDbPath } from '../../gateway/test/helpers/accounts.js';

/**
 * The SDK in a real browser (Chromium: see helpers/chromium.ts): its built ES modules are served through the gateway
 * itself (same origin as the API), imported by a page, and used against real gateway answers.
 */
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
let upstream: TestUpstream;
let portier: TestGateway;
let crossOrigin: TestGateway;
let browser: Browser;
let secret: string;

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    const url = req.url ?? '/';
    if (url === '/app/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>sdk</title>');
      return;
    }
    if (url.startsWith('/app/sdk/')) {
      const file = normalize(join(dist, url.slice('/app/sdk/'.length)));
      if (!file.startsWith(dist) || !existsSync(file)) return json(res, 404, { message: 'no such file' });
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(readFileSync(file));
      return;
    }
    json(res, 200, { rows: [{ Name: 'x' }] });
  });
  const config = {
    auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
    plans: { free: {} },
    upstreams: { app: { url: upstream.url } },
    routes: [
      { id: 'app', path: '/app/*', upstream: 'app' },
      { id: 'rows', path: '/rows', upstream: 'app', auth: {}, limits: [{ name: 'once', limit: 1, per: 'hour', by: ['key'] }] },
    ],
  };
  portier = await startGateway(config);
  crossOrigin = await startGateway({ ...config, cors: { origins: [upstream.url] } });
  const admin: AccountAdmin = adminOf(portier, config);
  const account = await admin.createAccount('browser', 'free');
  secret = (await admin.createKey({ accountId: account.id, name: 'browser' })).secret;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await portier?.close();
  await crossOrigin?.close();
  await upstream?.close();
});

describe('@portier/client in a browser', () => {
  it('sdk (browser): loads as ES modules, parses answers, throws typed errors and writes a redacted support report', async () => {
    const page = await browser.newPage();
    await page.goto(`${portier.url}/app/`);
    // Runs in the page: a string, so that this Node-typed test needs no DOM types.
    const outcome = (await page.evaluate(`(async () => {
      const sdk = await import('/app/sdk/index.js');
      const api = sdk.createClient({ baseUrl: location.origin, apiKey: ${JSON.stringify(secret)}, maxRetries: 0 });
      const ok = await api.get('/rows');
      const errors = [];
      for (const call of [() => api.get('/rows'), () => api.get('/nowhere'), () => sdk.createClient({ baseUrl: location.origin, maxRetries: 0 }).get('/rows')]) {
        try { await call(); errors.push('no error'); } catch (error) {
          errors.push({ name: error.name, portier: sdk.isPortierError(error), code: error.code, status: error.status, correlationId: error.correlationId, report: error.supportReport() });
        }
      }
      return { data: ok.data, status: ok.status, correlationId: ok.correlationId, rateLimit: ok.rateLimit, errors };
    })()`)) as {
      data: unknown;
      status: number;
      correlationId: string;
      rateLimit: { remaining: number };
      errors: { name: string; portier: boolean; code: string; status: number; correlationId: string; report: string }[];
    };
    expect(outcome).toMatchObject({ data: { rows: [{ Name: 'x' }] }, status: 200, rateLimit: { remaining: 0 } });
    expect(outcome.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(outcome.errors.map((error) => [error.name, error.portier, error.code, error.status])).toEqual([
      ['RateLimitError', true, 'rate_limited', 429],
      ['NotFoundError', true, 'not_found', 404],
      ['AuthenticationError', true, 'authentication_required', 401],
    ]);
    const report = outcome.errors[0]?.report ?? '';
    expect(report).toContain('authorization: [redacted]');
    expect(report).toContain(`Correlation ID: ${outcome.errors[0]?.correlationId ?? ''}`);
    expect(report).not.toContain(secret);
    await page.close();
  });

  it('sdk (browser): calls a gateway on another origin through CORS and still reads the correlation ID and rate limits', async () => {
    const page = await browser.newPage();
    // The page and the SDK come straight from the upstream's origin; the API is the gateway's.
    await page.goto(`${upstream.url}/app/`);
    const outcome = (await page.evaluate(`(async () => {
      const sdk = await import('/app/sdk/index.js');
      const api = sdk.createClient({ baseUrl: ${JSON.stringify(crossOrigin.url)}, apiKey: ${JSON.stringify(secret)}, maxRetries: 0 });
      const ok = await api.get('/rows');
      let failure;
      try { await api.get('/nowhere'); } catch (error) { failure = { name: error.name, code: error.code, correlationId: error.correlationId }; }
      return { status: ok.status, correlationId: ok.correlationId, limit: ok.rateLimit && ok.rateLimit.policies[0], failure };
    })()`)) as { status: number; correlationId: string; limit: { quota: number }; failure: { name: string; code: string; correlationId: string } };
    expect(outcome.status).toBe(200);
    expect(outcome.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(outcome.limit).toMatchObject({ quota: 1 });
    expect(outcome.failure).toMatchObject({ name: 'NotFoundError', code: 'not_found' });
    expect(outcome.failure.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    await page.close();
  });
});
