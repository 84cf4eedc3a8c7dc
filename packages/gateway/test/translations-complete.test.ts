import { describe, expect, it } from 'vitest';
import { catalog, errorCodes, type ErrorCode } from '../src/errors/catalog.js';
import { PortierError } from '../src/errors/portier-error.js';
import { paramPhrases, phrase, type ParamPhrase } from '../src/errors/param-phrases.js';
import { buildErrorView } from '../src/envelopes/error-view.js';
import { credentialRules } from '../src/policies/api-key-auth/extract-credential.js';
import { extractCredential } from '../src/policies/api-key-auth/extract-credential.js';
import { parseKey, generateKey } from '../src/accounts/keys/key-format.js';
import { parseIdempotencyKey } from '../src/policies/idempotency/parse-idempotency-key.js';
import { parseJsonText } from '../src/policies/request-validation/parse-json-text.js';
import { compileBodySchema, findingsOf } from '../src/policies/request-validation/request-schemas.js';
import { describedKeywords } from '../src/errors/item-messages.js';

/**
 * Every catalog code rendered in French, German and Russian with every value its parameters can carry
 * must hold no English. How it tells English apart without flagging cognates: the words it looks for
 * are only those of Portier's own English texts (the catalog's titles and details, and the phrases it
 * puts into parameters); identifiers (quoted or code-formatted text, header names, acronyms, values the
 * caller or the configuration chose) are removed first; and a short list per language keeps words that
 * are that language's too ("service", "instance").
 */

/** What a parameter carries: `text` is Portier's own words (must be translated); `name` is an identifier kept as it is. */
interface Samples {
  readonly kind: 'text' | 'name' | 'noun';
  readonly values: readonly (string | number)[];
}

const allSchemes = credentialRules(['bearer', 'token', 'basic', 'header'], 'X-Api-Key');
const auth = { instance: 'demo', environment: 'test' as const };
const goodKey = generateKey(auth).secret;
/** Hints produced the way the auth stage produces them, so a new hint that skips the phrase table is caught. */
const producedHints = [
  extractCredential({ authorization: goodKey }, allSchemes),
  extractCredential({ authorization: `Digest ${goodKey}` }, allSchemes),
  extractCredential({ authorization: `Token ${goodKey}` }, credentialRules(['bearer'], 'x')),
  extractCredential({ authorization: 'Basic !!!' }, allSchemes),
  extractCredential({ authorization: `Bearer "${goodKey}"` }, allSchemes),
  extractCredential({ 'x-api-key': 'a b' }, allSchemes),
  extractCredential({ authorization: 'Basic Og==' }, allSchemes),
]
  .map((credential) => (credential.kind === 'malformed' ? credential.hint : undefined))
  .concat([parseKey('nope'), parseKey('pt_test_demo_x'), parseKey(`${goodKey}x`), parseKey(`${goodKey.slice(0, -1)}${goodKey.endsWith('0') ? '1' : '0'}`)].map((parsed) => (parsed.ok ? undefined : parsed.hint)))
  .concat(phrase('wrongEnvironment', { environment: 'live', accepted: 'test' }));

const idempotencyReasons = ['', '"open', '"a\\x"', '"a"b"', 'é', 'x'.repeat(300)].map((header) => parseIdempotencyKey(header)).concat(parseIdempotencyKey(['a', 'b']));
const jsonReasons = ['{', '{"a" 1}', '{"a":1 2}', '[1 2]', '{a:1}', 'nul', '"\\q"', '"\\u12"', '"a\u0001"', '1 2', '\u0002', '"open', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]']
  .map((text) => parseJsonText(Buffer.from(text), 64))
  .concat(parseJsonText(Buffer.from([0xff]), 64));

function phrasesFor(param: string): string[] {
  return Object.entries(paramPhrases)
    .filter(([, texts]) => (texts.in as readonly string[]).includes(param))
    .map(([name, texts]) => phrase(name as ParamPhrase, Object.fromEntries([...texts.en.matchAll(/\{(\w+)\}/g)].map((match) => [match[1] as string, sampleWord]))));
}

/** A neutral stand-in for identifiers inside phrases. */
const sampleWord = 'zq1';

const samples: Readonly<Record<string, Samples>> = {
  hint: { kind: 'text', values: [...new Set([...producedHints.filter((hint): hint is string => hint !== undefined), ...phrasesFor('hint')])] },
  expected: { kind: 'text', values: [allSchemes.expected, credentialRules(['bearer'], 'x').expected, credentialRules(['basic'], 'x').expected, credentialRules(['header'], 'X-Api-Key').expected, '`application/json`'] },
  received: { kind: 'text', values: [...phrasesFor('received'), '`text/plain`'] },
  url: { kind: 'text', values: [...phrasesFor('url'), 'https://eu1.api.example.com'] },
  reason: { kind: 'text', values: phrasesFor('reason') },
  window: { kind: 'text', values: [...phrasesFor('window'), '10s'] },
  // The route parameter a key is bound to: English uses it as a noun ("the base"), a translation must not.
  param: { kind: 'noun', values: ['base', 'company', 'workspace'] },
};

/** The reasons each code is really given (the phrase table's `reason` entries, by who produces them). */
const reasonsByCode: Partial<Record<ErrorCode, Samples>> = {
  bad_request: { kind: 'text', values: phrasesFor('reason').filter((reason) => !samplesOf(idempotencyReasons).includes(reason) && !samplesOf(jsonReasons).includes(reason)) },
  invalid_json: { kind: 'text', values: [...new Set(samplesOf(jsonReasons))] },
  idempotency_key_invalid: { kind: 'text', values: [...new Set(samplesOf(idempotencyReasons))] },
  // What the operating system says (EADDRINUSE), not Portier's words.
  listen_failed: { kind: 'name', values: ['EADDRINUSE'] },
};

function samplesOf(results: readonly ({ reason: string } | { key: string } | PortierError | { value: unknown })[]): string[] {
  return results.flatMap((result) => (result instanceof PortierError ? [String(result.params['reason'])] : 'reason' in result ? [result.reason] : []));
}

/** Identifiers: how the caller or the configuration spelled them, in every language. */
const names: Readonly<Record<string, string | number>> = {
  method: 'PUT', path: '/v1/items', allowed: 'GET, HEAD, POST', count: 3, limitBytes: 1024, timeoutMs: 1000, line: 2, column: 7,
  expiredAt: '2026-11-22T09:00:00.000Z', rotatedAt: '2026-11-22T09:00:00.000Z', revokedAt: '2026-11-22T09:00:00.000Z', endedAt: '2026-11-22T09:00:00.000Z',
  instance: 'eu1', value: 'b2', scope: 'rows:write', plan: 'free', trialDays: 14, feature: 'hourly-sync', limit: 5, entity: 'companies', usage: 5,
  key: 'demo-1', retryAfterSeconds: 30, operationId: 'op_1', status: 'Pending', accountId: 'acc_1', keyId: 'Xk3mQ9aB', name: 'burst', retryAfter: 7, deadline: '10m',
  message: 'zq2', correlationId: 'zq3', service: 'demo-backend', file: 'portier.yaml', address: '127.0.0.1:8080', checks: 'shutdown, rateLimits',
};

/** Words of the other language that are spelled like Portier's English ones. */
const sameWord: Readonly<Record<string, readonly string[]>> = {
  fr: ['service', 'instance', 'permission', 'route', 'minute', 'message', 'type', 'validation', 'configuration', 'file', 'maintenance', 'segments', 'version', 'tunnels'],
  de: ['service', 'instance', 'minute', 'in', 'an', 'gateway', 'body', 'bytes', 'route', 'problem', 'array', 'cursor', 'limit', 'header', 'server', 'form'],
  ru: [],
};

/** Units and the envelope's own field names, the same in every language. */
const neutral = ['ms', 'errors', 'warnings'];

const englishWords = new Set(
  [
    ...errorCodes.flatMap((code) => [catalog[code].texts.en.title, catalog[code].texts.en.detail]),
    ...Object.values(paramPhrases).map((texts) => texts.en),
    ...samples['param']!.values.map(String),
  ].flatMap((text) => wordsOf(text.replace(/\{\w+\}/g, ' '))),
);

function wordsOf(text: string): string[] {
  return (text.toLowerCase().match(/\p{L}{2,}/gu) ?? []).filter((word) => !word.startsWith('zq') && !neutral.includes(word));
}

/** The text with identifiers removed: what is left must be the language's own words. */
function ownWords(code: ErrorCode, text: string, params: Readonly<Record<string, string | number>>, nouns: readonly string[]): string[] {
  let rest = text.replace(/https?:\/\/\S+/g, ' ');
  for (const [name, value] of Object.entries(params)) {
    const kind = (name === 'reason' ? reasonsByCode[code] : samples[name])?.kind;
    if (kind === 'text' || kind === 'noun' || typeof value === 'number') continue;
    rest = rest.split(String(value)).join(' ');
  }
  // A bound parameter's name shown as a label, "(base)", is an identifier.
  for (const noun of nouns) rest = rest.split(`(${noun})`).join(' ');
  rest = rest
    // Code is kept as it is, but not the placeholders in it: `Authorization: Bearer <key>` names what to send in the caller's words.
    .replace(/`[^`]*`/g, (code) => ` ${[...code.matchAll(/<([^<>]+)>/g)].map((match) => match[1]).join(' ')} `)
    .replace(/"[^"]*"|«[^»]*»|„[^“]*“/g, ' ')
    .replace(/\b[A-Z][A-Za-z]*(?:-[A-Z0-9][A-Za-z0-9]*)+\b/g, ' ')
    .replace(/\b[A-Z][A-Z0-9]+\b/g, ' ')
    // Single-word header names and values the HTTP spec defines (Expect: 100-continue).
    .replace(/\b(Expect|Allow|Location|Authorization|Host)\b|\b\d+-[a-z]+\b/g, ' ')
    .replace(/\bbase64\b/gi, ' ')
    .replace(/\blimit\b(?= (doit|muss|должен))/g, ' ');
  return wordsOf(rest);
}

/** Each parameter set a code can be rendered with: every sample of one parameter, the first of the others. */
function parameterSets(code: ErrorCode): Record<string, string | number>[] {
  const names_ = [...new Set([...catalog[code].texts.en.detail.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string))];
  const of = (name: string): Samples | undefined => (name === 'reason' ? reasonsByCode[code] : samples[name]);
  const first = Object.fromEntries(names_.map((name) => [name, of(name)?.values[0] ?? names[name] ?? `missing sample for {${name}}`]));
  const sets = [first];
  for (const name of names_) for (const value of of(name)?.values.slice(1) ?? []) sets.push({ ...first, [name]: value });
  return sets;
}

/** A body that breaks one rule of each keyword the item messages describe, and a whole body of the wrong type. */
const itemSchema = {
  type: 'object',
  required: ['req'],
  properties: {
    t: { type: 'string' }, minL: { minLength: 3 }, maxL: { maxLength: 1 }, minI: { minItems: 2 }, maxI: { maxItems: 0 },
    minP: { minProperties: 2 }, maxP: { maxProperties: 0 }, min: { minimum: 5 }, max: { maximum: 1 }, emin: { exclusiveMinimum: 5 },
    emax: { exclusiveMaximum: 1 }, mul: { multipleOf: 3 }, pat: { pattern: '^a+$' }, fmt: { format: 'email' }, en: { enum: ['a', 'b'] },
    co: { const: 'x' }, add: { type: 'object', additionalProperties: false }, uniq: { uniqueItems: true },
    any: { anyOf: [{ type: 'string' }, { type: 'number' }] }, one: { oneOf: [{ type: 'number' }, { type: 'integer' }] }, no: { not: { type: 'string' } },
    cont: { contains: { type: 'string' } }, dep: { dependencies: { a: ['b'] } }, pn: { propertyNames: { pattern: '^[a-z]+$' } }, big: { maxSerializedBytes: 5 },
    own: { type: 'string', 'x-message': 'name must be a string' },
  },
};
const itemBody = {
  t: 1, minL: 'a', maxL: 'ab', minI: [1], maxI: [1], minP: { a: 1 }, maxP: { a: 1 }, min: 1, max: 5, emin: 5, emax: 1, mul: 4, pat: 'b', fmt: 'x',
  en: 'z', co: 'y', add: { extra: 1 }, uniq: [1, 1], any: true, one: 1, no: 's', cont: [1], dep: { a: 1 }, pn: { A: 1 }, big: 'abcdefgh', own: 1,
};
function itemsOf(schema: Record<string, unknown>, body: unknown): ReturnType<typeof findingsOf>['errors'] {
  const validate = compileBodySchema(schema);
  expect(validate(body)).toBe(false);
  return findingsOf(validate.errors ?? [], '').errors;
}
const items = [...itemsOf(itemSchema, itemBody), ...itemsOf({ type: 'object' }, [])];
/** Pointers and quoted identifiers: not words of any language. */
const identifiersOut = (message: string): string => message.replace(/\/\S*/g, ' ').replace(/"[^"]*"|«[^»]*»|„[^“]*“/g, ' ');
const itemWords = new Set(items.filter((item) => item.pointer !== '/own').flatMap((item) => wordsOf(identifiersOut(item.message))));
/** Words of the item messages' translations spelled like Ajv's English ones. */
const sameItemWord: Readonly<Record<string, readonly string[]>> = { fr: ['format', 'multiple'], de: ['in', 'format', 'body', 'bytes'], ru: [] };

describe('translations', () => {
  it('validation items: the test body breaks every rule the item messages describe, and the whole body too', () => {
    expect(new Set(items.map((item) => item.rule))).toEqual(new Set(describedKeywords));
    expect(items.some((item) => item.pointer === '')).toBe(true);
  });

  for (const language of ['fr', 'de', 'ru'] as const) {
    it(`${language}: validation items Portier words have no English word; a schema's x-message is kept as it is`, () => {
      const view = buildErrorView(new PortierError('validation_failed', { count: items.length }, { items }), { correlationId: 'c', instance: '/', typeBaseUrl: '/docs/errors', gatewayService: 'portier', warnings: items, language });
      const found: string[] = [];
      for (const item of [...view.errors, ...view.warnings]) {
        if (item.pointer === '/own') {
          expect(item.message).toBe('name must be a string');
          continue;
        }
        const english = wordsOf(identifiersOut(item.message)).filter((word) => itemWords.has(word) && !sameItemWord[language]!.includes(word));
        if (english.length > 0) found.push(`${item.rule}: "${item.message}" has ${english.join(', ')}`);
      }
      expect(found).toEqual([]);
      expect(view.errors.map((item) => item.pointer)).toEqual(items.map((item) => item.pointer));
    });
  }


  it('every parameter of every code has a sample', () => {
    const missing = errorCodes.flatMap((code) => parameterSets(code).flatMap((set) => Object.values(set).filter((value) => String(value).startsWith('missing sample'))));
    expect([...new Set(missing)]).toEqual([]);
  });

  it('the samples are what the producers really say: each crafted request gives its own hint or reason', () => {
    expect(producedHints.every((hint) => hint !== undefined)).toBe(true);
    expect(new Set(producedHints).size).toBe(producedHints.length);
    expect(idempotencyReasons.every((result) => 'reason' in result)).toBe(true);
    expect(jsonReasons.every((result) => result instanceof PortierError)).toBe(true);
  });

  for (const language of ['fr', 'de', 'ru'] as const) {
    it(`${language}: no English word in any title or detail, whatever the parameters`, () => {
      const found: string[] = [];
      for (const code of errorCodes) {
        for (const params of parameterSets(code)) {
          const view = buildErrorView(new PortierError(code, params), { correlationId: 'c', instance: '/', typeBaseUrl: '/docs/errors', gatewayService: 'portier', warnings: [], language });
          for (const text of [view.title, view.detail]) {
            const english = ownWords(code, text, params, samples['param']!.values.map(String)).filter((word) => englishWords.has(word) && !sameWord[language]!.includes(word));
            if (english.length > 0) found.push(`${code}: "${text}" has ${english.join(', ')}`);
          }
        }
      }
      expect(found).toEqual([]);
    });
  }
});
