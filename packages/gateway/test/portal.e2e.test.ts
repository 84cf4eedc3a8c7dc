import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { stringify } from 'yaml';
import { parseConfig } from '../src/config-loader/load-config.js';
import type { Browser } from 'playwright-core';
import { launchChromium } from './helpers/chromium.js';
import type { AccountAdmin } from '../src/admin/account-admin.js';
import { pageSecurityHeaders } from '../src/pages/page-assets.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

let upstream: TestUpstream;
let portier: TestGateway;
let admin: AccountAdmin;

const config = {
  auth: {
    instance: 'eu1',
    schemes: ['bearer'],
    store: { sqlitePath: tempDbPath() },
    rotationGraceSeconds: 3600,
    accessTokens: { path: '/token', secret: 's'.repeat(32) },
    keysApi: { path: '/v1/keys', key: { id: '{id}', name: '{name}', apiKey: '{secret?}', display: '{display}', status: '{status}' } },
  },
  portal: { path: '/portal', sessionSeconds: 600 },
  plans: { free: { limits: [{ name: 'per-minute', limit: 100, per: 'minute' }, { name: 'daily', limit: 5000, per: 'day', algorithm: 'fixed' }] } },
  upstreams: { app: { url: '' } },
  routes: [
    { id: 'things', path: '/v1/things', upstream: 'app', auth: { required: true } },
    { id: 'secret', path: '/v1/secret', upstream: 'app', auth: { scopes: ['admin'] } },
    { id: 'jobs', path: '/v1/jobs', methods: ['POST'], upstream: 'app', auth: { required: true }, async: {} },
  ],
};

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 200, { ok: true }));
  config.upstreams.app.url = upstream.url;
  portier = await startGateway(config);
  admin = adminOf(portier, config);
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

const bearer = (credential: string): Record<string, string> => ({ authorization: `Bearer ${credential}` });

async function newAccount(name: string, scopes: string[] = []): Promise<{ id: string; keyId: string; secret: string }> {
  const account = await admin.createAccount(name, 'free');
  const { key, secret } = await admin.createKey({ accountId: account.id, name: `${name} first`, scopes });
  return { id: account.id, keyId: key.id, secret };
}

async function signIn(secret: string): Promise<string> {
  const response = await request(`${portier.url}/portal/api/session`, { headers: bearer(secret) });
  expect(response.statusCode).toBe(200);
  return ((await response.body.json()) as { token: string }).token;
}

function expectPageHeaders(headers: Record<string, string | string[] | undefined>, what: string): void {
  for (const [name, value] of Object.entries(pageSecurityHeaders)) expect(headers[name], `${what}: ${name}`).toBe(value);
}

describe('the portal over HTTP', () => {
  it('portal: serves the page, its files and its strings with the page headers; the bare path redirects', async () => {
    const bare = await request(`${portier.url}/portal`);
    expect(bare.statusCode).toBe(302);
    expect(bare.headers['location']).toBe('/portal/');
    expectPageHeaders(bare.headers, 'redirect');
    await bare.body.dump();
    const page = await request(`${portier.url}/portal/`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expectPageHeaders(page.headers, 'page');
    const html = await page.body.text();
    expect(html).not.toMatch(/<script>|<style|\sstyle="|\son[a-z]+="/);
    for (const file of ['portal.js', 'api.js', 'i18n.js', 'report.js', 'portal.css', 'strings-en.json', 'settings.json']) {
      const asset = await request(`${portier.url}/portal/${file}`);
      expect(asset.statusCode, file).toBe(200);
      expectPageHeaders(asset.headers, file);
      await asset.body.dump();
    }
    const french = await request(`${portier.url}/portal/strings.json`, { headers: { 'accept-language': 'fr-CH, fr;q=0.9, en;q=0.5' } });
    expect(french.headers['content-language']).toBe('fr');
    expect(((await french.body.json()) as { signIn: string }).signIn).toBe('Se connecter');
    const settings = (await (await request(`${portier.url}/portal/settings.json`)).body.json()) as Record<string, unknown>;
    expect(settings).toMatchObject({ credential: { schemes: ['bearer'] }, keysApi: { path: '/v1/keys', rotationGraceSeconds: 3600, secretMember: 'apiKey' }, sessionSeconds: 600 });
    expect(JSON.stringify(settings)).not.toContain('s'.repeat(32));
  });

  it('portal: refusals are catalog errors in the configured envelope, with a correlation ID and the page headers', async () => {
    const missing = await request(`${portier.url}/portal/nothing.js`);
    expectPageHeaders(missing.headers, '404');
    await expectProblem(missing, 404, 'not_found');
    const index = await request(`${portier.url}/portal/index.html`);
    await expectProblem(index, 404, 'not_found');
    const anonymous = await request(`${portier.url}/portal/api/account`);
    expectPageHeaders(anonymous.headers, '401');
    await expectProblem(anonymous, 401, 'authentication_required');
    const forged = await request(`${portier.url}/portal/api/keys`, { headers: bearer('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.xxxx') });
    await expectProblem(forged, 401, 'invalid_token');
  });

  it('portal: a path or method no portal route has (404, 405) still carries the page headers', async () => {
    for (const [method, path, status, code] of [
      ['GET', '/portal/api/nothing', 404, 'not_found'],
      ['GET', '/portal/a/b', 404, 'not_found'],
      ['POST', '/portal/', 405, 'method_not_allowed'],
      ['DELETE', '/portal/api/session', 405, 'method_not_allowed'],
    ] as const) {
      const response = await request(`${portier.url}${path}`, { method });
      expectPageHeaders(response.headers, `${method} ${path}`);
      await expectProblem(response, status, code);
    }
  });

  it('portal: in a deployment with another envelope, its refusals use that envelope, with the correlation ID', async () => {
    const codat = await startGateway({ ...config, auth: { ...config.auth, store: { sqlitePath: tempDbPath() } }, errors: { envelope: 'codat', service: 'PublicApi' } });
    try {
      const refused = await request(`${codat.url}/portal/api/errors?correlationId=x`);
      expect(refused.statusCode).toBe(401);
      expectPageHeaders(refused.headers, 'codat 401');
      const body = (await refused.body.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ statusCode: 401, service: 'PublicApi', correlationId: refused.headers['x-correlation-id'] });
      const owner = await adminOf(codat, config).createAccount('codat', 'free');
      const { secret } = await adminOf(codat, config).createKey({ accountId: owner.id, name: 'k' });
      const session = (await (await request(`${codat.url}/portal/api/session`, { headers: bearer(secret) })).body.json()) as { token: string };
      const missing = await request(`${codat.url}/portal/api/errors?correlationId=not-mine`, { headers: bearer(session.token) });
      expect(missing.statusCode).toBe(404);
      expect(await missing.body.json()).toMatchObject({ statusCode: 404, error: 'No recent error of this account has the correlation ID not-mine.', correlationId: missing.headers['x-correlation-id'] });
    } finally {
      await codat.close();
    }
  });

  it('portal: a key signs in for a session that lasts portal.sessionSeconds; a token cannot start another session', async () => {
    const owner = await newAccount('session');
    const response = await request(`${portier.url}/portal/api/session`, { headers: bearer(owner.secret) });
    const body = (await response.body.json()) as { token: string; expiresAt: string };
    const lifetime = Date.parse(body.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(500_000);
    expect(lifetime).toBeLessThanOrEqual(600_000);
    expectPageHeaders(response.headers, 'session');
    const again = await request(`${portier.url}/portal/api/session`, { headers: bearer(body.token) });
    expect(again.statusCode).toBe(401);
    await again.body.dump();
  });

  it('portal: shows the caller\'s account, plan and how much of each window is used', async () => {
    const owner = await newAccount('usage');
    for (let i = 0; i < 3; i++) await (await request(`${portier.url}/v1/things`, { headers: bearer(owner.secret) })).body.dump();
    const token = await signIn(owner.secret);
    const response = await request(`${portier.url}/portal/api/account`, { headers: bearer(token) });
    const body = (await response.body.json()) as { account: { id: string; plan: string }; key: { id: string }; limits: { name: string; used: number; limit: number }[] };
    expect(body.account).toMatchObject({ id: owner.id, plan: 'free' });
    expect(body.key.id).toBe(owner.keyId);
    expect(body.limits.map((limit) => [limit.name, limit.used, limit.limit])).toEqual([
      ['per-minute', 3, 100],
      ['daily', 3, 5000],
    ]);
  });

  it('portal isolation: lists only the caller\'s keys; another account\'s key cannot be revoked or rotated (404), its errors are not seen', async () => {
    const mine = await newAccount('mine');
    const theirs = await newAccount('theirs');
    const token = await signIn(mine.secret);
    const keys = (await (await request(`${portier.url}/portal/api/keys`, { headers: bearer(token) })).body.json()) as { keys: { id: string; current: boolean }[] };
    expect(keys.keys.map((key) => key.id)).toEqual([mine.keyId]);
    expect(keys.keys[0]?.current).toBe(true);
    const revoke = await request(`${portier.url}/v1/keys/${theirs.keyId}`, { method: 'DELETE', headers: bearer(mine.secret) });
    await expectProblem(revoke, 404, 'key_not_found');
    const rotate = await request(`${portier.url}/v1/keys/${theirs.keyId}/rotate`, { method: 'POST', headers: bearer(mine.secret) });
    await expectProblem(rotate, 404, 'key_not_found');
    // Their key still works.
    expect((await request(`${portier.url}/v1/things`, { headers: bearer(theirs.secret) })).statusCode).toBe(200);
  });

  it('portal isolation: lists the caller\'s recent errors with catalog texts in its language; another account\'s correlation ID is not found', async () => {
    const mine = await newAccount('errors-mine');
    const theirs = await newAccount('errors-theirs');
    const refusedMine = await request(`${portier.url}/v1/secret`, { headers: bearer(mine.secret) });
    const mineId = refusedMine.headers['x-correlation-id'] as string;
    await refusedMine.body.dump();
    const refusedTheirs = await request(`${portier.url}/v1/secret`, { headers: bearer(theirs.secret) });
    const theirsId = refusedTheirs.headers['x-correlation-id'] as string;
    await refusedTheirs.body.dump();
    const token = await signIn(mine.secret);
    const listed = await request(`${portier.url}/portal/api/errors?lang=fr`, { headers: bearer(token) });
    expectPageHeaders(listed.headers, 'errors');
    const body = (await listed.body.json()) as { errors: { correlationId: string; code: string; status: number; title: string; path: string }[] };
    expect(body.errors.map((error) => error.correlationId)).toEqual([mineId]);
    expect(body.errors[0]).toMatchObject({ code: 'access_denied', status: 403, path: '/v1/secret', title: 'Accès refusé' });
    const one = await request(`${portier.url}/portal/api/errors?correlationId=${mineId}`, { headers: bearer(token) });
    expect(((await one.body.json()) as { errors: unknown[] }).errors).toHaveLength(1);
    const other = await request(`${portier.url}/portal/api/errors?correlationId=${theirsId}`, { headers: bearer(token) });
    expectPageHeaders(other.headers, 'error_record_not_found');
    const problem = await expectProblem(other, 404, 'error_record_not_found');
    expect(problem.detail).toContain(theirsId);
  });

  it('portal isolation: another account\'s operation id is not found with a portal session, nor is it a correlation ID of the caller', async () => {
    const mine = await newAccount('ops-mine');
    const theirs = await newAccount('ops-theirs');
    const accepted = await request(`${portier.url}/v1/jobs`, { method: 'POST', headers: { ...bearer(theirs.secret), 'content-type': 'application/json' }, body: '{}' });
    expect(accepted.statusCode).toBe(202);
    const { id } = (await accepted.body.json()) as { id: string };
    const token = await signIn(mine.secret);
    await expectProblem(await request(`${portier.url}/operations/${id}`, { headers: bearer(token) }), 404, 'operation_not_found');
    await expectProblem(await request(`${portier.url}/operations/${id}/result`, { headers: bearer(token) }), 404, 'operation_not_found');
    const listed = (await (await request(`${portier.url}/operations`, { headers: bearer(token) })).body.json()) as Record<string, unknown>;
    expect(JSON.stringify(listed)).not.toContain(id);
    await expectProblem(await request(`${portier.url}/portal/api/errors?correlationId=${id}`, { headers: bearer(token) }), 404, 'error_record_not_found');
  });

  it('keys API rotation: a key rotates itself, gets the replacement once, and the old key works through its grace period', async () => {
    const owner = await newAccount('rotate');
    const rotated = await request(`${portier.url}/v1/keys/${owner.keyId}/rotate`, { method: 'POST', headers: bearer(owner.secret) });
    expect(rotated.statusCode).toBe(201);
    const replacement = (await rotated.body.json()) as { id: string; apiKey: string; status: string };
    expect(replacement.apiKey).toMatch(/^pt_live_/);
    expect((await request(`${portier.url}/v1/things`, { headers: bearer(replacement.apiKey) })).statusCode).toBe(200);
    expect((await request(`${portier.url}/v1/things`, { headers: bearer(owner.secret) })).statusCode).toBe(200);
    // The retiring key rotates nothing more, and does not see its replacement.
    const twice = await request(`${portier.url}/v1/keys/${owner.keyId}/rotate`, { method: 'POST', headers: bearer(owner.secret) });
    await expectProblem(twice, 403, 'key_rotation_refused');
    const stolen = await request(`${portier.url}/v1/keys/${replacement.id}/rotate`, { method: 'POST', headers: bearer(owner.secret) });
    await expectProblem(stolen, 404, 'key_not_found');
    // A token cannot change keys.
    const token = await signIn(replacement.apiKey);
    const byToken = await request(`${portier.url}/v1/keys/${replacement.id}/rotate`, { method: 'POST', headers: bearer(token) });
    expect(byToken.statusCode).toBe(401);
    await byToken.body.dump();
  });

  it('keys API rotation: a key cannot rotate a key that outlives it (the new secret would outlive the caller)', async () => {
    const account = await admin.createAccount('short', 'free');
    const short = await admin.createKey({ accountId: account.id, name: 'short', expiresAt: Date.now() + 3_600_000 });
    const forever = await admin.createKey({ accountId: account.id, name: 'forever' });
    const refused = await request(`${portier.url}/v1/keys/${forever.key.id}/rotate`, { method: 'POST', headers: bearer(short.secret) });
    await expectProblem(refused, 403, 'key_rotation_refused');
    const allowed = await request(`${portier.url}/v1/keys/${short.key.id}/rotate`, { method: 'POST', headers: bearer(forever.secret) });
    expect(allowed.statusCode).toBe(201);
    await allowed.body.dump();
  });
});

describe('the portal in a real browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('portal browser: a key holder signs in, sees plan and usage, creates and revokes a key (then refused), and writes a support report without a secret', async () => {
    const owner = await newAccount('browser');
    await admin.createKey({ accountId: owner.id, name: 'ci server' });
    for (let i = 0; i < 7; i++) await (await request(`${portier.url}/v1/things`, { headers: bearer(owner.secret) })).body.dump();
    const refused = await request(`${portier.url}/v1/secret?api_key=${owner.secret}`, { headers: bearer(owner.secret) });
    const refusedId = refused.headers['x-correlation-id'] as string;
    await refused.body.dump();

    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const answers: { url: string; headers: Record<string, string> }[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/portal')) answers.push({ url: response.url(), headers: response.headers() });
    });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`${portier.url}/portal`);
    await page.getByRole('textbox', { name: 'API key', exact: true }).fill(owner.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    expect(await page.locator('#account-plan').textContent()).toBe('free');
    await page.locator('#limits li').first().waitFor();
    expect(await page.locator('#limits li').allTextContents()).toEqual([expect.stringContaining('per-minute'), expect.stringContaining('daily')]);
    expect(await page.locator('#limits li').first().textContent()).toContain('7 of 100 used');
    expect(await page.locator('#limits progress').first().getAttribute('aria-labelledby')).toBe('limit-0');

    // Create a key: confirmed with the key itself, its secret shown once.
    await page.getByLabel('New key name').fill('laptop');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.locator('#confirm-key').fill(owner.secret);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('#new-secret').waitFor({ state: 'visible' });
    const created = await page.locator('#new-secret-value').inputValue();
    expect(created).toMatch(/^pt_live_/);
    expect((await request(`${portier.url}/v1/things`, { headers: bearer(created) })).statusCode).toBe(200);
    const laptopRow = page.locator('#keys tr', { hasText: 'laptop' });
    await laptopRow.waitFor();

    // Revoke it: a real request with it is refused at once.
    await laptopRow.getByRole('button', { name: 'Revoke' }).click();
    await page.locator('#confirm-key').fill(owner.secret);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('#status', { hasText: 'Key revoked.' }).waitFor();
    await laptopRow.waitFor({ state: 'detached' });
    // Portier answers a revoked key 403 key_revoked (the access stage's, docs/errors.md), not 401.
    await expectProblem(await request(`${portier.url}/v1/things`, { headers: bearer(created) }), 403, 'key_revoked');
    await page.getByRole('button', { name: 'Hide' }).click();

    // Recent errors and the support report.
    const errorRow = page.locator('#errors tr', { hasText: refusedId });
    await errorRow.waitFor();
    expect(await errorRow.textContent()).toContain('Access denied');
    await errorRow.getByRole('button', { name: 'Write report' }).click();
    await page.getByLabel('What were you trying to do?').fill(`Read the secret resource; my key is ${owner.secret}`);
    const report = await page.locator('#report-text').inputValue();
    const token = (await page.evaluate('sessionStorage.getItem("portier.portal.session")')) as string;
    const stored = (await page.evaluate('JSON.stringify({ session: { ...sessionStorage }, local: { ...localStorage } })')) as string;
    expect(report).toContain(refusedId);
    expect(report).toContain('GET ');
    expect(report).toContain('/v1/secret');
    expect(report).toContain('Authorization: [redacted]');
    expect(report).toContain('Access denied');
    expect(report).toContain('Read the secret resource');
    expect(report).not.toContain(owner.secret);
    expect(report).not.toContain(created);
    expect(report).not.toContain((JSON.parse(token) as { token: string }).token);
    expect(report).not.toMatch(/eyJ[A-Za-z0-9_-]+\./);
    // The page keeps the session token in sessionStorage and never the key.
    expect(stored).not.toContain(owner.secret);
    expect(stored).toContain('portier.portal.session');

    await page.locator('#report-intent').fill('Read the secret resource with my key.');
    await page.locator('#report-intent').blur();
    // The docs' picture is rewritten only when asked (PORTIER_WRITE_SCREENSHOTS=1), so a test run leaves the tree clean.
    const screenshot = await page.screenshot({ fullPage: true });
    expect(screenshot.subarray(1, 4).toString()).toBe('PNG');
    if (process.env['PORTIER_WRITE_SCREENSHOTS'] === '1') {
      await mkdir(join(repoRoot, 'docs/images'), { recursive: true });
      await writeFile(join(repoRoot, 'docs/images/portal.png'), screenshot);
    }

    expect(answers.length).toBeGreaterThan(8);
    for (const answer of answers) {
      expect(answer.headers['content-security-policy'], answer.url).toBe(pageSecurityHeaders['content-security-policy']);
      expect(answer.headers['x-content-type-options'], answer.url).toBe('nosniff');
      expect(answer.headers['x-frame-options'], answer.url).toBe('DENY');
    }
    expect(problems).toEqual([]);
    await context.close();
  });

  it('portal browser: the page in French shows French strings from Accept-Language, and the switcher changes language', async () => {
    const owner = await newAccount('browser-fr');
    const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto(`${portier.url}/portal/`);
    await page.getByRole('button', { name: 'Se connecter' }).waitFor();
    expect(await page.locator('h1').textContent()).toBe('Portail de l\'API');
    expect(await page.title()).toBe('Portail de l\'API');
    expect(await page.evaluate('document.documentElement.lang')).toBe('fr');
    // By keyboard alone: the key field has the focus on arrival, Enter signs in.
    expect(await page.evaluate('document.activeElement.id')).toBe('sign-in-key');
    await page.keyboard.type(owner.secret);
    await page.keyboard.press('Enter');
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    expect(await page.locator('#keys-title').textContent()).toBe('Vos clés');
    // On a phone: no sideways scrolling of the page (wide tables scroll in their own box).
    const widths = (await page.evaluate('({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })')) as { scroll: number; inner: number };
    expect(widths.scroll).toBeLessThanOrEqual(widths.inner);
    await page.getByRole('combobox', { name: 'Langue' }).selectOption('de');
    await page.locator('#keys-title', { hasText: 'Ihre Schlüssel' }).waitFor();
    await page.getByRole('combobox', { name: 'Sprache' }).selectOption('ru');
    await page.locator('#keys-title', { hasText: 'Ваши ключи' }).waitFor();
    await context.close();
  });
});

describe('the portal at the root path', () => {
  it('portal path: one with a trailing slash is refused at config check (its page would be at /portal//)', () => {
    const result = parseConfig(stringify({ ...config, portal: { path: '/portal/' } }), 'portier.yaml', {});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((problem) => problem.path)).toContain('portal.path');
  });

  it('portal at /: the config is accepted, the page is served at / with its files, and the JSON answers under /api', async () => {
    const atRoot = await startGateway({ ...config, auth: { ...config.auth, store: { sqlitePath: tempDbPath() } }, portal: { path: '/' } });
    try {
      const page = await request(`${atRoot.url}/`);
      expect(page.statusCode).toBe(200);
      expect(await page.body.text()).toContain('portal.js');
      const script = await request(`${atRoot.url}/portal.js`);
      expect(script.statusCode).toBe(200);
      await script.body.dump();
      await expectProblem(await request(`${atRoot.url}/api/account`), 401, 'authentication_required');
    } finally {
      await atRoot.close();
    }
  });
});
