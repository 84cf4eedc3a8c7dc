import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Browser, Page, Response } from 'playwright-core';
import { launchChromium } from './helpers/chromium.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';
import { waitFor } from './helpers/wait-for.js';
import { catalog, type ErrorCode } from '../src/errors/catalog.js';

const token = 'admin-token-for-the-dashboard-browser-test';
let upstream: TestUpstream;
let portier: TestGateway;
let adminUrl: string;
let browser: Browser;
/** Every answer the gateway gave the test's traffic: what the dashboard must count. */
const sent: { route: string; account: string; status: number; code: string; correlationId: string }[] = [];
let acme: string;
let initech: string;

beforeAll(async () => {
  upstream = await startUpstream((req, res) => (req.url === '/broken' ? json(res, 503, { message: 'database is down' }) : json(res, 200, { ok: true })));
  const config = {
    admin: { port: 0, token },
    auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
    plans: { free: {}, pro: { features: ['hourly'] } },
    upstreams: { app: { url: upstream.url, errors: 'normalize' } },
    routes: [
      { id: 'rows', path: '/rows', upstream: 'app', auth: {} },
      { id: 'limited', path: '/limited', upstream: 'app', auth: {}, limits: [{ name: 'two', limit: 2, per: 'hour', by: ['account'] }] },
      { id: 'hourly', path: '/hourly', upstream: 'app', auth: { feature: 'hourly' } },
      { id: 'broken', path: '/broken', upstream: 'app', auth: {} },
    ],
  };
  portier = await startGateway(config);
  adminUrl = portier.gateway.adminUrl as string;
  const admin = adminOf(portier, config);
  acme = (await admin.createAccount('Acme', 'pro')).id;
  initech = (await admin.createAccount('Initech', 'free')).id;
  const acmeKey = (await admin.createKey({ accountId: acme, name: 'ci' })).secret;
  const initechKey = (await admin.createKey({ accountId: initech, name: 'ci' })).secret;
  const call = async (path: string, route: string, key: string | undefined, account: string): Promise<void> => {
    const response = await request(`${portier.url}${path}`, { headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });
    const body = (await response.body.json()) as { code?: string };
    sent.push({ route, account, status: response.statusCode, code: body.code ?? '', correlationId: String(response.headers['x-correlation-id']) });
  };
  for (let i = 0; i < 3; i++) await call('/rows', 'rows', acmeKey, acme);
  for (let i = 0; i < 2; i++) await call('/rows', 'rows', undefined, '');
  for (let i = 0; i < 3; i++) await call('/limited', 'limited', acmeKey, acme);
  for (let i = 0; i < 2; i++) await call('/hourly', 'hourly', initechKey, initech);
  for (let i = 0; i < 2; i++) await call('/broken', 'broken', acmeKey, acme);
  // The usage reader includes what this gateway has not flushed yet; wait until it has every answer.
  await waitFor(
    async () => {
      const summary = (await (await request(`${adminUrl}/admin/dashboard/summary`, { headers: { authorization: `Bearer ${token}` } })).body.json()) as { usage: { requests: { total: number } } | null };
      return summary.usage?.requests.total ?? 0;
    },
    { until: (total) => total >= sent.length, what: `the usage reader counting the ${sent.length} requests sent` },
  );
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await portier.close();
  await upstream.close();
});

const count = (matches: (answer: (typeof sent)[number]) => boolean): number => sent.filter(matches).length;

/** A page that records every answer of the admin listener and every console error. */
async function openDashboard(viewport = { width: 1400, height: 900 }): Promise<{ page: Page; answers: Response[]; problems: string[] }> {
  const page = await browser.newPage({ viewport });
  const answers: Response[] = [];
  const problems: string[] = [];
  page.on('response', (response) => {
    if (response.url().startsWith(adminUrl)) answers.push(response);
  });
  page.on('console', (message) => {
    // The 401 of the no-token check below is the only failed load the page may see.
    if (message.type() === 'error' && !message.text().includes('401')) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${adminUrl}/dashboard`);
  return { page, answers, problems };
}

async function signIn(page: Page): Promise<void> {
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('body[data-loaded]');
}

/** The cells of the table rows under `selector`, by their first cell. */
async function tableRows(page: Page, selector: string): Promise<Record<string, string[]>> {
  return (await page.evaluate(`Object.fromEntries([...document.querySelectorAll(${JSON.stringify(`${selector} tbody tr`)})].map((row) => {
    const cells = [...row.children].map((cell) => cell.textContent.trim());
    return [cells[0], cells.slice(1)];
  }))`)) as Record<string, string[]>;
}

describe('the dashboard in a real browser', () => {
  it('dashboard: serves no data before sign-in, and every page answer carries the CSP, no framing and nosniff', async () => {
    const { page, answers, problems } = await openDashboard();
    expect(await page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    const status = await page.evaluate(`fetch('/admin/dashboard/summary').then((response) => response.status)`);
    expect(status).toBe(401);
    await signIn(page);
    expect(answers.length).toBeGreaterThanOrEqual(5);
    for (const answer of answers) {
      const headers = answer.headers();
      expect(headers['content-security-policy'], answer.url()).toContain("frame-ancestors 'none'");
      expect(headers['content-security-policy'], answer.url()).toContain("script-src 'self'");
      expect(headers['x-content-type-options'], answer.url()).toBe('nosniff');
    }
    // The token is in the tab's sessionStorage only: not in the URL, not in a cookie, not in the page.
    expect(page.url()).toBe(`${adminUrl}/dashboard`);
    expect(await page.evaluate('document.cookie')).toBe('');
    expect(await page.evaluate(`sessionStorage.getItem('portier.adminToken')`)).toBe(token);
    expect(await page.content()).not.toContain(token);
    expect(problems).toEqual([]);
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await page.evaluate(`sessionStorage.length`)).toBe(0);
    await page.close();
  });

  it('dashboard: shows the circuits, the request search and a labelled chart for every panel, pausable by keyboard', async () => {
    const { page, problems } = await openDashboard();
    await signIn(page);
    expect(await tableRows(page, '#upstreams')).toEqual({ app: ['closed', '0'] });
    const charts = (await page.evaluate(`[...document.querySelectorAll('svg.chart-svg')].map((chart) => ({
      role: chart.getAttribute('role'),
      label: chart.getAttribute('aria-labelledby').split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' '),
    }))`)) as { role: string; label: string }[];
    expect(charts.length).toBe(6);
    for (const chart of charts) {
      expect(chart.role).toBe('img');
      expect(chart.label.length).toBeGreaterThan(20);
    }
    const pause = page.getByRole('button', { name: 'Pause' });
    await pause.focus();
    await page.keyboard.press('Space');
    expect(await page.getByRole('button', { name: 'Resume' }).getAttribute('aria-pressed')).toBe('true');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('dashboard: fits a phone screen without sideways scrolling', async () => {
    const { page, problems } = await openDashboard({ width: 360, height: 740 });
    await signIn(page);
    const layout = (await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]')) as [number, number];
    expect(layout[0]).toBeLessThanOrEqual(layout[1]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('dashboard: finds a request by the correlation ID of its answer and tells its story', async () => {
    const { page, problems } = await openDashboard();
    await signIn(page);
    const limited = sent.find((answer) => answer.status === 429);
    expect(limited).toBeDefined();
    await page.getByLabel('Correlation ID').fill(limited?.correlationId ?? '');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#story li');
    const story = await page.locator('#story .story li').allTextContents();
    expect(story).toHaveLength(1);
    expect(story[0]).toMatch(new RegExp(`GET /limited {2}-> 429 {2}rate_limited {2}route limited {2}account ${acme}`));
    // And the error answer usage metering kept under that ID (not merely the newest one).
    const kept = await page.locator('#story table tbody tr').allTextContents();
    expect(kept).toHaveLength(1);
    expect(kept[0]).toContain('GET /limited');
    expect(kept[0]).toContain('rate_limited');
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('the dashboard counts what was sent', () => {
  it('dashboard: the totals, codes, owners, routes, 429/402 by account and top accounts equal the requests the test sent', async () => {
    const { page, problems } = await openDashboard();
    await signIn(page);
    const errors = sent.filter((answer) => answer.status >= 400);
    expect(await page.locator('[data-total="requests"]').textContent()).toBe(String(sent.length));
    expect(await page.locator('[data-total="errors"]').textContent()).toBe(String(errors.length));
    const codes = await tableRows(page, '#codes-table');
    const expectedCodes = Object.fromEntries([...new Set(errors.map((answer) => answer.code))].map((code) => [code, String(count((answer) => answer.code === code))]));
    expect(Object.fromEntries(Object.entries(codes).map(([code, cells]) => [code, cells[1]]))).toEqual(expectedCodes);
    expect(count((answer) => answer.code === 'rate_limited')).toBe(1);
    expect(count((answer) => answer.status === 402)).toBe(2);
    expect(count((answer) => answer.status === 401)).toBe(2);
    expect(count((answer) => answer.status >= 500)).toBe(2);
    // Who owns each failure is the catalog's word for its code (rate_limited is capacity, not client).
    const owners = await tableRows(page, '#owners-table');
    const ownerOf = (code: string): string => (code in catalog ? catalog[code as ErrorCode].owner : 'upstream');
    for (const owner of ['client', 'gateway', 'config', 'upstream', 'capacity']) {
      expect(owners[owner], owner).toEqual([String(count((answer) => answer.status >= 400 && ownerOf(answer.code) === owner))]);
    }
    expect(owners['capacity']).toEqual(['1']);
    const refusals = await tableRows(page, '#refusals-table');
    expect(refusals).toEqual({ Acme: [acme, '1', '0'], Initech: [initech, '0', '2'] });
    const accounts = await tableRows(page, '#accounts-table');
    expect(accounts['Acme']).toEqual([acme, String(count((answer) => answer.account === acme)), String(count((answer) => answer.account === acme && answer.status >= 400))]);
    expect(accounts['Initech']).toEqual([initech, '2', '2']);
    const routes = await tableRows(page, '#routes-table');
    for (const route of ['rows', 'limited', 'hourly', 'broken']) {
      expect(routes[route]?.slice(0, 2), route).toEqual([String(count((answer) => answer.route === route)), String(count((answer) => answer.route === route && answer.status >= 400))]);
    }
    const latency = await tableRows(page, '#latency-table');
    expect(latency['Whole range']?.[0]).toBe(String(sent.length));
    // The newest error answer is listed, and its correlation ID is a button that searches it.
    const newest = errors.at(-1);
    await page.locator(`#recent-errors button[data-correlation-id="${newest?.correlationId}"]`).click();
    await page.waitForSelector('#story li');
    expect(await page.locator('#story .story li').first().textContent()).toContain(`-> ${newest?.status}`);
    // Beside the log lines, the error answer usage metering kept for that ID.
    const kept = await page.locator('#story table tbody tr').first().locator('td').allTextContents();
    expect(kept.slice(1, 3)).toEqual([String(newest?.status), newest?.code]);
    // Live: one more request shows up on the page by itself (the next poll), with no reload.
    await (await request(`${portier.url}/rows`)).body.dump();
    await waitFor(() => page.locator('[data-total="requests"]').textContent(), { until: (text) => text === String(sent.length + 1), what: 'the page refreshing by itself', timeoutMs: 20_000 });
    expect(problems).toEqual([]);
    await page.close();
  });
});
