import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { catalog, errorCodes, shippedLanguages, type ErrorTexts } from '../src/errors/catalog.js';
import { Localizer, parseAcceptLanguage, shippedTexts } from '../src/errors/localizer.js';
import { templateParams } from '../src/config-loader/load-config.js';
import { referenceFiles } from '../src/docs/reference-files.js';
import { renderClientCodes } from '../src/docs/render-client-codes.js';
import { renderErrorsHtml } from '../src/docs/render-errors-html.js';

describe('catalog languages', () => {
  for (const language of shippedLanguages.filter((item) => item !== 'en')) {
    it(`catalog (${language}): has every text of every code, with the English template's parameters`, () => {
      for (const code of errorCodes) {
        const english: ErrorTexts = catalog[code].texts.en;
        const texts = shippedTexts(code, language);
        expect(texts.title.trim(), code).not.toBe('');
        expect(texts.meaning.trim(), code).not.toBe('');
        expect(texts.troubleshooting.length, code).toBeGreaterThan(0);
        expect(templateParams(texts.detail), `${code} detail`).toBe(templateParams(english.detail));
        expect(texts.fallbackDetail === undefined, `${code} fallbackDetail`).toBe(english.fallbackDetail === undefined);
        // Written in the language, not left in English.
        expect(texts.meaning, code).not.toBe(english.meaning);
        expect(texts.troubleshooting[0], code).not.toBe(english.troubleshooting[0]);
      }
    });
  }
});

describe('Accept-Language negotiation', () => {
  const localizer = new Localizer({ language: 'en', languages: ['en', 'fr', 'de', 'ru'], texts: {} });

  it('languages: picks the best offered language by quality, falling back from a regional tag to its language', () => {
    expect(localizer.negotiate('fr')).toBe('fr');
    expect(localizer.negotiate('fr-CH, fr;q=0.9, en;q=0.8')).toBe('fr');
    expect(localizer.negotiate('de;q=0.5, ru;q=0.8')).toBe('ru');
    expect(localizer.negotiate('es, de;q=0.1')).toBe('de');
    expect(localizer.negotiate('RU-ru')).toBe('ru');
  });

  it('languages: honours * and q=0, and falls back to the deployment language for unknown or malformed values', () => {
    expect(localizer.negotiate('*')).toBe('en');
    expect(localizer.negotiate('en;q=0, *;q=0.5')).toBe('fr');
    expect(localizer.negotiate('fr;q=0')).toBe('en');
    expect(localizer.negotiate('es, pt-BR')).toBe('en');
    expect(localizer.negotiate('fr;q=2, de;q=abc, ru;q=0.3')).toBe('ru');
    expect(localizer.negotiate(undefined)).toBe('en');
    expect(localizer.negotiate(',,;;')).toBe('en');
    expect(parseAcceptLanguage('a;q=0.5, b, c;q=0.5')).toEqual([
      { tag: 'b', q: 1 },
      { tag: 'a', q: 0.5 },
      { tag: 'c', q: 0.5 },
    ]);
  });

  it('languages: operator texts override a field and can add a language (other fields from the deployment language)', () => {
    const custom = new Localizer({
      language: 'fr',
      languages: ['fr', 'es'],
      texts: { fr: { rate_limited: { title: 'Doucement !' } }, es: { not_found: { title: 'No encontrado', detail: 'Ninguna ruta para {method} {path}.' } } },
    });
    expect(custom.textsOf('rate_limited', 'fr').title).toBe('Doucement !');
    expect(custom.textsOf('rate_limited', 'fr').meaning).toBe(shippedTexts('rate_limited', 'fr').meaning);
    expect(custom.textsOf('not_found', 'es')).toMatchObject({ title: 'No encontrado', meaning: shippedTexts('not_found', 'fr').meaning });
    expect(custom.negotiate('es-MX')).toBe('es');
    expect(custom.negotiate('de')).toBe('fr');
  });
});

describe('generated references', () => {
  it('docs/errors.<lang>.md: are current with the catalog in every shipped language (run `npm run docs` when this fails)', () => {
    for (const { file, text } of referenceFiles()) {
      expect(readFileSync(fileURLToPath(new URL(`../../../docs/${file}`, import.meta.url)), 'utf8'), file).toBe(text);
    }
  });

  it('packages/client/src/error-codes.ts: is current with the catalog, so the SDK knows every code (run `npm run docs`)', () => {
    expect(readFileSync(fileURLToPath(new URL('../../client/src/error-codes.ts', import.meta.url)), 'utf8')).toBe(renderClientCodes());
  });

  it('docs: follow the seeds\' structure in French and Russian: meaning, troubleshooting steps, and a support section', () => {
    const [, fr, , ru] = referenceFiles();
    expect(fr?.text).toContain('**Signification du message d\'erreur**');
    expect(fr?.text).toContain('**Étapes de dépannage**');
    expect(fr?.text).toContain('## Instructions pour contacter le support');
    expect(fr?.text).toContain('en retirant votre clé API ou votre jeton');
    expect(ru?.text).toContain('**Значение сообщения об ошибке**');
    expect(ru?.text).toContain('**Шаги по устранению неполадок**');
    expect(ru?.text).toContain('## Инструкции по обращению в поддержку');
  });

  it('html reference: has one anchor per code and links to the other languages', () => {
    const html = renderErrorsHtml('de', undefined, { basePath: '/docs/errors', languages: ['en', 'fr', 'de', 'ru'] });
    const anchors = [...html.matchAll(/<section id="([a-z_]+)" class="error">/g)].map((match) => match[1]);
    expect(anchors).toEqual(errorCodes);
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('<a href="/docs/errors/fr" hreflang="fr">Français</a>');
    expect(html).toContain('<strong>Deutsch</strong>');
  });
});
