import { describe, expect, it } from 'vitest';
import { catalog, catalogEntry, errorCodes } from './catalog.js';
import { fillTemplate } from './fill-template.js';
import { describedKeywords, localizeItem, wordedByPortier } from './item-messages.js';
import { Localizer, defaultLocalizer, parseAcceptLanguage, shippedTexts } from './localizer.js';
import { localizerOf } from './localizer-of.js';
import { alternatives, localizeParam, localizeParams, phrase } from './param-phrases.js';
import { PortierError, portierError, type ErrorItem } from './portier-error.js';
import { fr } from './translations/fr.js';
import { de } from './translations/de.js';
import { configOf } from '../../test/helpers/policy-context.js';

describe('portier error', () => {
  it('portier error: takes status from the catalog, keeps params, headers, service and items, and the cause out of the message', () => {
    const cause = new Error('socket closed');
    const error = portierError('rate_limited', { limit: 'minute' } as never, { headers: { 'Retry-After': '3' }, service: 'billing', cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PortierError');
    expect(error.message).toBe('rate_limited');
    expect(error.code).toBe('rate_limited');
    expect(error.status).toBe(429);
    expect(error.params).toEqual({ limit: 'minute' });
    expect(error.headers).toEqual({ 'Retry-After': '3' });
    expect(error.service).toBe('billing');
    expect(error.cause).toBe(cause);
    expect(error.items).toEqual([]);
    const bare = new PortierError('not_found', { method: 'GET', path: '/' });
    expect(bare.headers).toBeUndefined();
    expect(bare.service).toBeUndefined();
    expect('cause' in bare).toBe(false);
  });

  it('portier error: only a code whose status mirrors the upstream\'s takes the given status', () => {
    expect(new PortierError('upstream_client_error', { message: 'm' }, { status: 422 }).status).toBe(422);
    expect(new PortierError('upstream_client_error', { message: 'm' }).status).toBe(400);
    expect(new PortierError('not_found', { method: 'GET', path: '/' }, { status: 418 }).status).toBe(404);
    const items: ErrorItem[] = [{ pointer: '/a', message: 'm', rule: 'r' }];
    expect(new PortierError('validation_failed', { count: 1 }, { items }).items).toBe(items);
  });

  it('catalog: catalogEntry is the catalog\'s entry, and errorCodes lists every code', () => {
    expect(catalogEntry('not_found')).toBe(catalog.not_found);
    expect(errorCodes).toEqual(Object.keys(catalog));
  });
});

describe('templates', () => {
  it('fill template: replaces every known name, keeps unknown ones visible, numbers as text', () => {
    expect(fillTemplate('{a} and {b}, {a} again; {c}', { a: 'x', b: 3 })).toBe('x and 3, x again; {c}');
    expect(fillTemplate('{a}', { a: '' })).toBe('');
    expect(fillTemplate('no names', { a: 'x' })).toBe('no names');
  });
});

describe('localizer', () => {
  it('localizer: shipped texts in each shipped language, English for English and any other language', () => {
    expect(shippedTexts('not_found', 'en')).toBe(catalog.not_found.texts.en);
    expect(shippedTexts('not_found', 'fr')).toBe(fr.not_found);
    expect(shippedTexts('not_found', 'de')).toBe(de.not_found);
    expect(shippedTexts('not_found', 'es')).toBe(catalog.not_found.texts.en);
  });

  it('localizer: an override replaces only its fields, in a shipped language or an added one', () => {
    const localizer = new Localizer({ language: 'en', languages: ['en', 'fr', 'es'], texts: { fr: { not_found: { title: 'Introuvable' } }, es: { not_found: { title: 'No encontrado' } } } });
    expect(localizer.textsOf('not_found', 'fr')).toEqual({ ...fr.not_found, title: 'Introuvable' });
    expect(localizer.textsOf('not_found', 'de')).toBe(de.not_found);
    expect(localizer.textsOf('not_found', 'es')).toEqual({ ...catalog.not_found.texts.en, title: 'No encontrado' });
    expect(localizer.textsOf('method_not_allowed', 'es')).toEqual(catalog.method_not_allowed.texts.en);
    expect(localizer.language).toBe('en');
    expect(localizer.languages).toEqual(['en', 'fr', 'es']);
  });

  it('localizer: an added language takes what it lacks from the deployment language and its overrides', () => {
    const localizer = new Localizer({ language: 'fr', languages: ['fr', 'es'], texts: { fr: { not_found: { meaning: 'Rien ici.' } } } });
    expect(localizer.textsOf('not_found', 'es')).toEqual({ ...fr.not_found, meaning: 'Rien ici.' });
    expect(localizer.textsOf('method_not_allowed', 'es')).toBe(fr.method_not_allowed);
    // An added language that is the deployment language itself falls back to English.
    const spanish = new Localizer({ language: 'es', languages: ['es'], texts: { es: { not_found: { title: 'No encontrado' } } } });
    expect(spanish.textsOf('not_found', 'es')).toEqual({ ...catalog.not_found.texts.en, title: 'No encontrado' });
    expect(spanish.textsOf('method_not_allowed', 'es')).toBe(catalog.method_not_allowed.texts.en);
  });

  it('localizer: negotiates by quality, regional tags falling back to their language, in the offered spelling', () => {
    const localizer = new Localizer({ language: 'en', languages: ['en', 'fr', 'pt-BR', 'zh-Hant-TW'], texts: {} });
    expect(localizer.negotiate(undefined)).toBe('en');
    expect(localizer.negotiate('')).toBe('en');
    expect(localizer.negotiate('fr')).toBe('fr');
    expect(localizer.negotiate('FR-ch')).toBe('fr');
    expect(localizer.negotiate('pt-br')).toBe('pt-BR');
    expect(localizer.negotiate('zh-hant-tw-x')).toBe('zh-Hant-TW');
    expect(localizer.negotiate('pt')).toBe('en');
    expect(localizer.negotiate('es;q=1, fr;q=0.2, en;q=0.1')).toBe('fr');
    expect(localizer.negotiate('fr;q=0, fr-CH')).toBe('en');
    expect(localizer.negotiate('ja')).toBe('en');
    // Lookup drops whole subtags only: `fra` is not `fr`.
    expect(localizer.negotiate('fra')).toBe('en');
    // A refused regional tag refuses only itself, and is not looked up further.
    expect(localizer.negotiate('fr-CH;q=0')).toBe('en');
    expect(localizer.negotiate('fr-CH;q=0, fr;q=0.5')).toBe('fr');
  });

  it('localizer: * is the deployment language unless refused, then the first offered one not refused', () => {
    const localizer = new Localizer({ language: 'fr', languages: ['en', 'FR', 'de'], texts: {} });
    expect(localizer.negotiate('*')).toBe('FR');
    expect(localizer.negotiate('fr;q=0, *')).toBe('en');
    expect(localizer.negotiate('fr;q=0, en;q=0, de;q=0, *')).toBe('fr');
    expect(localizer.negotiate('fr;q=0, en;q=0, de;q=0, *, ja')).toBe('fr');
    const offeredOnce = new Localizer({ language: 'de', languages: ['de'], texts: {} });
    expect(offeredOnce.negotiate('de;q=0, *;q=0.5, en')).toBe('de');
    // `*;q=0` refuses the others; it never picks one.
    expect(localizer.negotiate('fr;q=0, *;q=0')).toBe('fr');
  });

  it('accept-language: parses tags and q values, drops malformed members and sorts stably by quality', () => {
    expect(parseAcceptLanguage('de;q=0.5, EN-gb , *;q=0.1, fr;q=1.000, x;q=0.1234, y;q=1.5, z;foo=1, ru;q=0.500, -a, abcdefghi, a-abcdefghi')).toEqual([
      { tag: 'en-gb', q: 1 },
      { tag: 'fr', q: 1 },
      { tag: 'de', q: 0.5 },
      { tag: 'ru', q: 0.5 },
      { tag: '*', q: 0.1 },
    ]);
    expect(parseAcceptLanguage('a;Q=0.3;q=0.7')).toEqual([{ tag: 'a', q: 0.7 }]);
    expect(parseAcceptLanguage('a;q=1, b;xq=0.5, c;q=0.5x, d;q=1.')).toEqual([
      { tag: 'a', q: 1 },
      { tag: 'd', q: 1 },
    ]);
    expect(parseAcceptLanguage('a;q=0, b;q=0.')).toEqual([
      { tag: 'a', q: 0 },
      { tag: 'b', q: 0 },
    ]);
    expect(parseAcceptLanguage('')).toEqual([]);
  });

  it('localizer: the default one speaks English and offers every shipped language; localizerOf takes the config\'s', () => {
    expect(defaultLocalizer.language).toBe('en');
    expect(defaultLocalizer.negotiate('ru')).toBe('ru');
    const config = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
errors: { language: de, languages: [de, fr], texts: { de: { not_found: { title: 'Nichts' } } } }
routes: [{ id: r, path: /r, upstream: app }]
`);
    const localizer = localizerOf(config);
    expect(localizer.language).toBe('de');
    expect(localizer.languages).toEqual(['de', 'fr']);
    expect(localizer.textsOf('not_found', 'de').title).toBe('Nichts');
  });
});

describe('item messages', () => {
  const item = (message: string): ErrorItem => ({ pointer: '/p', message, rule: 'r' });

  it('item messages: Portier\'s wording is said again in each shipped language, with its parameters flattened', () => {
    const worded = wordedByPortier(item('must be equal to one of the allowed values'), '/tags', 'enum', { allowedValues: ['a', 'b'] });
    expect(localizeItem(worded, 'de')).toEqual({ pointer: '/p', message: '/tags muss einer der erlaubten Werte sein', rule: 'r' });
    const limit = wordedByPortier(item('must NOT have more than 3 items'), '/tags', 'maxItems', { limit: 3 });
    expect(localizeItem(limit, 'ru').message).toBe('/tags: не более 3 элементов');
    const duplicates = wordedByPortier(item('dups'), '/tags', 'uniqueItems', { i: 1, j: 0 });
    expect(localizeItem(duplicates, 'fr').message).toBe('/tags contient des doublons (éléments 0 et 1)');
    const listed = wordedByPortier(item('x'), '/n', 'type', { type: ['string', 'null'] });
    expect(localizeItem(listed, 'fr').message).toBe('/n doit être de type « string, null »');
  });

  it('item messages: the whole body, an unknown rule, English, an unknown language and an operator\'s message', () => {
    const whole = wordedByPortier(item('must be object'), '', 'type', { type: 'object' });
    expect(localizeItem(whole, 'ru').message).toBe('тело запроса: должно иметь тип «object»');
    expect(localizeItem(whole, 'de').message).toBe('der Body muss vom Typ „object“ sein');
    const odd = wordedByPortier(item('odd'), '/x', 'isOdd', {});
    expect(localizeItem(odd, 'fr').message).toBe('/x ne respecte pas la règle « isOdd »');
    expect(localizeItem(whole, 'en')).toBe(whole);
    expect(localizeItem(whole, 'es')).toBe(whole);
    const operator = item('Give a name.');
    expect(localizeItem(operator, 'fr')).toBe(operator);
    expect(describedKeywords).toContain('required');
    expect(describedKeywords).toContain('maxSerializedBytes');
  });
});

describe('parameter phrases', () => {
  it('phrases: kept in English, translated when rendered, only in the parameters they stand in', () => {
    expect(phrase('keyEmpty')).toBe('the key is empty');
    expect(phrase('schemeUnknown', { scheme: 'Token' })).toBe('the scheme "Token" is not one this API accepts');
    expect(localizeParam('hint', phrase('schemeUnknown', { scheme: 'Token' }), 'fr')).toBe('cette API n\'accepte pas le schéma « Token »');
    expect(localizeParam('hint', 'the key is empty', 'de')).toBe('der Schlüssel ist leer');
    expect(localizeParam('reason', 'the key is empty', 'de')).toBe('the key is empty');
    expect(localizeParam('hint', 'the key is empty', 'en')).toBe('the key is empty');
    expect(localizeParam('hint', 'the key is empty', 'es')).toBe('the key is empty');
    expect(localizeParam('hint', 'the key is empty!', 'fr')).toBe('the key is empty!');
    expect(localizeParam('hint', 'so: the key is empty', 'fr')).toBe('so: the key is empty');
    expect(localizeParam('count', 3, 'fr')).toBe(3);
  });

  it('phrases: the most specific phrase wins, and a phrase\'s parts are phrases too', () => {
    expect(localizeParam('reason', 'unexpected the end of the body after the end of the value', 'fr')).toBe('la fin du corps inattendu après la fin de la valeur');
    expect(localizeParam('reason', 'unexpected character 0x41', 'de')).toBe('unerwartet: das Zeichen 0x41');
    expect(localizeParam('reason', 'unexpected \'x\'', 'ru')).toBe('неожиданно: \'x\'');
  });

  it('phrases: alternatives are joined by the language\'s "or", header forms get their placeholders translated', () => {
    expect(alternatives(['`a`', '`b`', '`c`'])).toBe('`a` or `b` or `c`');
    expect(alternatives(['`a`'])).toBe('`a`');
    const forms = alternatives(['`Authorization: Bearer <key>`', '`Authorization: Basic <base64 of the key>`', '`X-Key: <other>`']);
    expect(localizeParam('expected', forms, 'de')).toBe('`Authorization: Bearer <Schlüssel>` oder `Authorization: Basic <Schlüssel in Base64>` oder `X-Key: <other>`');
    expect(localizeParam('expected', '`X-Api-Key: <key>`', 'ru')).toBe('`X-Api-Key: <ключ>`');
    // Alternatives that are not header forms: joined, placeholders left alone.
    expect(localizeParam('allowed', '`<key>` or `b`', 'fr')).toBe('`<key>` ou `b`');
    expect(localizeParam('expected', '`<key>` or `b`', 'fr')).toBe('`<key>` ou `b`');
    // One value alone is not a list of alternatives (unless a header form in `expected`).
    expect(localizeParam('allowed', '`X-Api-Key: <key>`', 'fr')).toBe('`X-Api-Key: <key>`');
    expect(localizeParam('allowed', 'a or b', 'fr')).toBe('a or b');
    expect(localizeParam('expected', '`a` or `b` trailing', 'fr')).toBe('`a` or `b` trailing');
  });

  it('phrases: every parameter of a detail at once', () => {
    expect(localizeParams({ hint: 'the key is empty', expected: '`X-Api-Key: <key>`', count: 2 }, 'fr')).toEqual({ hint: 'la clé est vide', expected: '`X-Api-Key: <clé>`', count: 2 });
    expect(localizeParams({}, 'fr')).toEqual({});
  });
});
