import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Browser } from 'playwright-core';
import { launchChromium } from './helpers/chromium.js';
import { errorCodes } from '../src/errors/catalog.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';

let upstream: TestUpstream;
let portier: TestGateway;
let everywhere: TestGateway;

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 200, {}));
  portier = await startGateway({
    errors: {
      texts: { fr: { method_not_allowed: { title: 'Méthode refusée' } }, es: { not_found: { title: 'No encontrado', detail: 'Ninguna ruta corresponde a {method} {path}.' } } },
      languages: ['en', 'fr', 'de', 'ru', 'es'],
    },
    upstreams: { app: { url: upstream.url } },
    routes: [
      { id: 'ok', path: '/ok', upstream: 'app' },
      { id: 'codat', path: '/codat', methods: ['POST'], upstream: 'app', envelope: 'codat', maxBodyBytes: 10 },
    ],
  });
  everywhere = await startGateway({
    errors: { negotiate: 'all', language: 'de' },
    upstreams: { app: { url: upstream.url } },
    routes: [{ id: 'codat', path: '/codat', methods: ['POST'], upstream: 'app', envelope: 'codat', maxBodyBytes: 10 }],
  });
});
afterAll(async () => {
  await portier.close();
  await everywhere.close();
  await upstream.close();
});

async function problemIn(acceptLanguage: string | undefined, path = '/nowhere') {
  const response = await request(`${portier.url}${path}`, { headers: acceptLanguage === undefined ? {} : { 'accept-language': acceptLanguage } });
  const body = (await response.body.json()) as { code: string; type: string; title: string; detail: string };
  return { body, language: response.headers['content-language'], vary: response.headers['vary'] };
}

describe('errors in the caller\'s language', () => {
  it('languages: answers French to Accept-Language: fr, with the same code and type, and Content-Language', async () => {
    const english = await problemIn(undefined);
    const french = await problemIn('fr-FR, fr;q=0.9, en;q=0.5');
    expect(english.language).toBe('en');
    expect(english.body.title).toBe('Not found');
    expect(french.language).toBe('fr');
    expect(french.vary).toBe('Accept-Language');
    expect(french.body).toMatchObject({ code: english.body.code, type: english.body.type, title: 'Introuvable', detail: 'Aucune route ne correspond à GET /nowhere.' });
  });

  it('languages: German and Russian, an operator override, and an operator-added language', async () => {
    expect((await problemIn('de')).body.detail).toBe('Keine Route passt zu GET /nowhere.');
    expect((await problemIn('ru')).body.title).toBe('Не найдено');
    expect((await problemIn('es')).body).toMatchObject({ title: 'No encontrado', detail: 'Ninguna ruta corresponde a GET /nowhere.' });
    const refused = await request(`${portier.url}/ok`, { method: 'DELETE', headers: { 'accept-language': 'fr' } });
    expect(((await refused.body.json()) as { title: string }).title).toBe('Méthode refusée');
  });

  it('languages: keeps seed-shaped envelopes in the deployment language unless told to negotiate them too', async () => {
    const codat = await request(`${portier.url}/codat`, { method: 'POST', headers: { 'accept-language': 'fr' }, body: 'x'.repeat(50) });
    expect(codat.headers['content-language']).toBe('en');
    expect(((await codat.body.json()) as { error: string }).error).toContain('larger than the 10 bytes');
    const negotiated = await request(`${everywhere.url}/codat`, { method: 'POST', headers: { 'accept-language': 'ru' }, body: 'x'.repeat(50) });
    expect(negotiated.headers['content-language']).toBe('ru');
    expect(((await negotiated.body.json()) as { error: string }).error).toBe('Тело запроса превышает 10 байт, допустимых для этого маршрута.');
    const fallback = await request(`${everywhere.url}/codat`, { method: 'POST', body: 'x'.repeat(50) });
    expect(fallback.headers['content-language']).toBe('de');
    await fallback.body.dump();
  });
});

describe('the served error reference', () => {
  it('reference: serves the page in the negotiated language at /docs/errors and in each language at /docs/errors/<lang>', async () => {
    const negotiated = await request(`${portier.url}/docs/errors`, { headers: { 'accept-language': 'ru' } });
    expect(negotiated.statusCode).toBe(200);
    expect(negotiated.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(negotiated.headers['content-language']).toBe('ru');
    expect(await negotiated.body.text()).toContain('<h1>Справочник ошибок</h1>');
    for (const language of ['en', 'fr', 'de', 'ru', 'es']) {
      const page = await request(`${portier.url}/docs/errors/${language}`);
      const html = await page.body.text();
      expect(page.statusCode).toBe(200);
      for (const code of errorCodes) expect(html, `${language} ${code}`).toContain(`<section id="${code}" class="error">`);
    }
    expect((await request(`${portier.url}/docs/errors/xx`)).statusCode).toBe(404);
    expect(await (await request(`${portier.url}/docs/errors/es`)).body.text()).toContain('No encontrado');
  });
});


describe('the reference in a real browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('reference: renders on a phone without sideways scrolling, opens at the anchor a problem type points to, and prints', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2 });
    const problem = (await (await request(`${portier.url}/nowhere`, { headers: { 'accept-language': 'fr' } })).body.json()) as { type: string };
    await page.goto(`${portier.url}${problem.type.replace('/docs/errors', '/docs/errors/fr')}`);
    expect(await page.title()).toBe('Référence des erreurs');
    // Runs in the page: written as a string so that this Node-typed test needs no DOM types.
    const layout = (await page.evaluate(`({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      targetTop: document.querySelector(':target')?.getBoundingClientRect().top ?? -1,
      targetId: document.querySelector(':target')?.id,
      sections: document.querySelectorAll('section.error').length,
    })`)) as { scrollWidth: number; innerWidth: number; targetTop: number; targetId: string | undefined; sections: number };
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.innerWidth);
    expect(layout.targetId).toBe('not_found');
    expect(Math.abs(layout.targetTop)).toBeLessThan(5);
    expect(layout.sections).toBe(errorCodes.length);
    const screenshot = await page.screenshot({ fullPage: false });
    expect(screenshot.subarray(1, 4).toString()).toBe('PNG');
    expect(screenshot.length).toBeGreaterThan(10_000);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
    await page.close();
  });
});
