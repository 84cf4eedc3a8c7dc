import { describe, expect, it } from 'vitest';
import { configOf, policyContext, type RequestShape } from '../../../test/helpers/policy-context.js';
import { configuredSpec } from '../../pipeline/compile-routes.js';
import { PortierError } from '../../errors/portier-error.js';
import { localizeItem } from '../../errors/item-messages.js';
import { phrase } from '../../errors/param-phrases.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import { requestValidationStage } from './index.js';
import { parseJsonText } from './parse-json-text.js';

const config = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
routes:
  - id: rows
    path: /bases/:base/rows
    methods: [POST]
    upstream: app
    maxBodyBytes: 200
    validation:
      maxDepth: 3
      query: { type: object, properties: { limit: { type: integer, maximum: 10 } } }
      params: { type: object, properties: { base: { type: string, pattern: '^b[0-9]+$' } } }
      body:
        type: object
        required: [name]
        properties:
          name: { type: string, maxLength: 5, x-rule: short-name, x-message: 'Keep names short' }
          age: { type: integer }
          tags: { type: array, items: { type: string, maxLength: 3, pattern: '^[a-z]*$', x-fatal: false, x-drop: true } }
          note: { type: string, maxLength: 4, x-fatal: false }
  - id: lookup
    path: /lookup
    upstream: app
    validation: { query: { type: object, required: [q] } }
  - id: search
    path: /search
    upstream: app
    validation:
      query: { type: object, additionalProperties: false, properties: { tag: { type: array, maxItems: 2, items: { type: string, maxLength: 1 } } } }
  - id: notes
    path: /notes
    methods: [POST]
    upstream: app
    validation:
      body:
        type: object
        properties:
          contact: { anyOf: [{ type: object, required: [email] }, { type: object, required: [phone] }] }
          kind: { oneOf: [{ type: string, maxLength: 2 }, { type: integer }] }
          meta: { type: object, maxSerializedBytes: 12, x-rule: small-meta }
          at: { type: string, format: timestamp }
          size: { maxSerializedBytes: 2 }
        propertyNames: { pattern: '^[a-z]+$' }
        if: { required: [kind], properties: { kind: { const: ab } } }
        then: { required: [at] }
  - { id: plain, path: /plain, upstream: app }
`);

function policyFor(routeId: string) {
  const route = config.routes.find((candidate) => candidate.id === routeId);
  if (route === undefined) throw new Error(routeId);
  const settings = requestValidationStage.settingsOf(configuredSpec(route, config), config);
  if (settings === undefined) throw new Error('the route validates');
  return requestValidationStage.create(settings, undefined);
}

async function validate(routeId: string, shape: RequestShape, params: Record<string, string> = {}): Promise<{ decision: unknown; ctx: RequestContext }> {
  const ctx = policyContext({ method: 'POST', ...shape });
  ctx.params = params;
  return { decision: await policyFor(routeId).handle(ctx), ctx };
}

const json = { 'content-type': 'application/json' };

function failure(decision: unknown): PortierError {
  expect(decision).toBeInstanceOf(PortierError);
  return decision as PortierError;
}

describe('request-validation policy', () => {
  it('request-validation: is left out of a route without validation, and can answer every validation code', () => {
    const plain = config.routes.find((route) => route.id === 'plain');
    expect(requestValidationStage.settingsOf(configuredSpec(plain as never, config), config)).toBeUndefined();
    const rows = config.routes[0] as (typeof config.routes)[number];
    const settings = requestValidationStage.settingsOf(configuredSpec(rows, config), config);
    expect(settings?.maxBodyBytes).toBe(200);
    // A built-in route has no route config at all.
    expect(requestValidationStage.settingsOf({ ...configuredSpec(rows, config), config: undefined }, config)).toBeUndefined();
    expect(requestValidationStage.codes(settings as never, config)).toEqual(['invalid_json', 'unsupported_media_type', 'validation_failed', 'payload_too_large']);
  });

  it('request-validation: admits a request that matches every schema, leaving the body on ctx as sent', async () => {
    const body = '{"name":"ab","age":3,"tags":["x"]}';
    const { decision, ctx } = await validate('rows', { url: '/bases/b1/rows?limit=10', headers: json, body }, { base: 'b1' });
    expect(decision).toBeUndefined();
    expect(ctx.body?.toString()).toBe(body);
    expect(ctx.warnings).toEqual([]);
  });

  it('request-validation: reports query, params and body problems at once, each with pointer, message and rule', async () => {
    const { decision } = await validate('rows', { url: '/bases/x/rows?limit=11', headers: json, body: '{"name":"toolong","age":"3"}' }, { base: 'x' });
    const error = failure(decision);
    expect(error.code).toBe('validation_failed');
    expect(error.params).toEqual({ count: 4 });
    expect(error.items).toEqual([
      { pointer: '/query/limit', message: '/query/limit must be <= 10', rule: 'maximum' },
      { pointer: '/params/base', message: '/params/base must match pattern "^b[0-9]+$"', rule: 'pattern' },
      { pointer: '/name', message: 'Keep names short', rule: 'short-name' },
      { pointer: '/age', message: '/age must be integer', rule: 'type' },
    ]);
  });

  it('request-validation: a missing property is "is required" at its own pointer', async () => {
    const { decision } = await validate('rows', { headers: json, body: '{}' });
    expect(failure(decision).items).toEqual([{ pointer: '/name', message: '/name is required', rule: 'required' }]);
    const query = await validate('lookup', { url: '/lookup?x=1' });
    expect(failure(query.decision).items).toEqual([{ pointer: '/query/q', message: '/query/q is required', rule: 'required' }]);
    expect((await validate('lookup', { url: '/lookup?q=1&q=2' })).decision).toBeUndefined();
  });

  it('request-validation: non-fatal rules become warnings and the request goes on, dropping x-drop items from the forwarded body', async () => {
    const { decision, ctx } = await validate('rows', { headers: json, body: '{"name":"a","tags":["ok","long","abcd"],"note":"lengthy"}' });
    expect(decision).toBeUndefined();
    expect(ctx.warnings.map((warning) => warning.pointer)).toEqual(['/tags/1', '/tags/2', '/note']);
    expect(JSON.parse(ctx.body?.toString() ?? '')).toEqual({ name: 'a', tags: ['ok'], note: 'lengthy' });
  });

  it('request-validation: an item that fails two x-drop rules is dropped once, the items after it kept', async () => {
    const { decision, ctx } = await validate('rows', { headers: json, body: '{"name":"a","tags":["ok","ABCD","no"]}' });
    expect(decision).toBeUndefined();
    expect(ctx.warnings.map((warning) => `${warning.pointer} ${warning.rule}`)).toEqual(['/tags/1 maxLength', '/tags/1 pattern']);
    expect(JSON.parse(ctx.body?.toString() ?? '')).toEqual({ name: 'a', tags: ['ok', 'no'] });
  });

  it('request-validation: a warning without x-drop leaves the body as sent', async () => {
    const body = '{ "name": "a", "note": "lengthy" }';
    const { decision, ctx } = await validate('rows', { headers: json, body });
    expect(decision).toBeUndefined();
    expect(ctx.warnings.map((warning) => warning.pointer)).toEqual(['/note']);
    expect(ctx.body?.toString()).toBe(body);
  });

  it('request-validation: warnings are not added, nor items dropped, when a fatal error refuses the request', async () => {
    const { decision, ctx } = await validate('rows', { headers: json, body: '{"tags":["long"]}' });
    expect(failure(decision).params).toEqual({ count: 1 });
    expect(ctx.warnings.map((warning) => warning.pointer)).toEqual(['/tags/0']);
    expect(ctx.body?.toString()).toBe('{"tags":["long"]}');
  });

  it('request-validation: a body that is not JSON by its type is 415 unsupported_media_type saying what came', async () => {
    expect(failure((await validate('rows', { headers: { 'content-type': 'text/plain' }, body: '{}' })).decision).params).toEqual({ expected: '`application/json`', received: '`text/plain`' });
    expect(failure((await validate('rows', { headers: {}, body: '{}' })).decision).params).toEqual({ expected: '`application/json`', received: phrase('noContentType') });
    expect(failure((await validate('rows', { headers: { 'content-type': 'application/jsonx' }, body: '{}' })).decision).code).toBe('unsupported_media_type');
    for (const type of ['application/merge-patch+json', 'Application/JSON ; charset=utf-8', 'application/json;v=1']) {
      expect((await validate('rows', { headers: { 'content-type': type }, body: '{"name":"a"}' })).decision, type).toBeUndefined();
    }
  });

  it('request-validation: a body over the route cap is 413, and JSON too deep or broken is 400 invalid_json with line and column', async () => {
    expect(failure((await validate('rows', { headers: json, body: `{"name":"${'a'.repeat(200)}"}` })).decision).code).toBe('payload_too_large');
    const deep = failure((await validate('rows', { headers: json, body: '{"a":[[{}]]}' })).decision);
    expect(deep.code).toBe('invalid_json');
    expect(deep.params).toEqual({ reason: phrase('jsonTooDeep', { max: '3' }), line: 1, column: 8 });
    const broken = failure((await validate('rows', { headers: json, body: '{\n  "name": "a",\n}' })).decision);
    expect(broken.params).toEqual({ reason: phrase('jsonPropertyName', { found: "'}'" }), line: 3, column: 1 });
  });

  it('request-validation: parseJsonText refuses bytes that are not UTF-8 where the first bad byte is', () => {
    const error = parseJsonText(Buffer.from([0x7b, 0x0a, 0x20, 0xff, 0x7d]), 10) as PortierError;
    expect(error.params).toEqual({ reason: phrase('jsonNotUtf8'), line: 2, column: 2 });
    expect(parseJsonText(Buffer.from('[1,"]"]'), 1)).toEqual({ value: [1, ']'] });
    expect(parseJsonText(Buffer.from('"\\"["'), 0)).toEqual({ value: '"[' });
  });

  it('request-validation: the policy is named for its stage', () => {
    expect(policyFor('rows').name).toBe('request-validation');
  });

  it('request-validation: repeated query parameters are a list, one value per repeat, in order', async () => {
    expect((await validate('search', { url: '/search?tag=a&tag=b' })).decision).toBeUndefined();
    expect(failure((await validate('search', { url: '/search?tag=a&tag=b&tag=c' })).decision).items).toEqual([
      { pointer: '/query/tag', message: '/query/tag must NOT have more than 2 items', rule: 'maxItems' },
    ]);
    expect(failure((await validate('search', { url: '/search?tag=a&tag=bc' })).decision).items).toEqual([
      { pointer: '/query/tag/1', message: '/query/tag/1 must NOT have more than 1 characters', rule: 'maxLength' },
    ]);
  });

  it('request-validation: a URL without a query, or without a URL at all, has no query parameters', async () => {
    expect((await validate('search', { url: '/search' })).decision).toBeUndefined();
    const ctx = policyContext({ method: 'GET' });
    ctx.req.url = undefined;
    expect(await policyFor('search').handle(ctx)).toBeUndefined();
  });

  it('request-validation: a route with a body schema only checks the body, and leaves a body without drops as sent', async () => {
    const body = '{ "kind": 1,\n  "meta": {} }';
    const { decision, ctx } = await validate('notes', { url: '/notes?anything=1', headers: json, body });
    expect(decision).toBeUndefined();
    expect(ctx.body?.toString()).toBe(body);
    const spaced = await validate('rows', { headers: json, body: '{ "name": "ab" }' });
    expect(spaced.decision).toBeUndefined();
    expect(spaced.ctx.body?.toString()).toBe('{ "name": "ab" }');
  });

  it('request-validation: a failed anyOf or oneOf is one item, without its branches\' errors', async () => {
    const { decision } = await validate('notes', { headers: json, body: '{"contact":{},"kind":"abc"}' });
    expect(failure(decision).items).toEqual([
      { pointer: '/contact', message: '/contact must match a schema in anyOf', rule: 'anyOf' },
      { pointer: '/kind', message: '/kind must match exactly one schema in oneOf', rule: 'oneOf' },
    ]);
  });

  it('request-validation: a failed if/then is the then-branch\'s error alone', async () => {
    const { decision } = await validate('notes', { headers: json, body: '{"kind":"ab"}' });
    expect(failure(decision).items).toEqual([{ pointer: '/at', message: '/at is required', rule: 'required' }]);
    expect((await validate('notes', { headers: json, body: '{"kind":"ab","at":"2026-12-02T10:00:00Z"}' })).decision).toBeUndefined();
  });

  it('request-validation: maxSerializedBytes counts the value\'s UTF-8 bytes once serialized, the limit passing and one more failing', async () => {
    // {"a":"1234"} is 12 bytes, {"a":"12345"} 13; {"a":"éé"} is 10 characters but 12 bytes.
    for (const meta of ['{"a":"1234"}', '{"a":"éé"}']) {
      expect((await validate('notes', { headers: json, body: `{"meta":${meta}}` })).decision, meta).toBeUndefined();
    }
    for (const meta of ['{"a":"12345"}', '{"a":"ééé"}']) {
      expect(failure((await validate('notes', { headers: json, body: `{"meta":${meta}}` })).decision).items, meta).toEqual([
        { pointer: '/meta', message: '/meta must be at most 12 bytes once serialized', rule: 'small-meta' },
      ]);
    }
  });

  it('request-validation: maxSerializedBytes without x-rule is its own rule, worded in the caller\'s language too', async () => {
    const items = failure((await validate('notes', { headers: json, body: '{"size":[1,2]}' })).decision).items ?? [];
    expect(items).toEqual([{ pointer: '/size', message: '/size must be at most 2 bytes once serialized', rule: 'maxSerializedBytes' }]);
    expect(localizeItem(items[0] as never, 'fr').message).toBe('/size doit faire au plus 2 octets une fois sérialisé');
  });

  it('request-validation: a rule with errors inside its own (propertyNames) keeps both, only anyOf and oneOf fold theirs', async () => {
    expect(failure((await validate('notes', { headers: json, body: '{"Kind":1}' })).decision).items).toEqual([
      { pointer: '', message: 'the body must match pattern "^[a-z]+$"', rule: 'pattern' },
      { pointer: '', message: 'the body property name must be valid', rule: 'propertyNames' },
    ]);
  });

  it('request-validation: format timestamp takes what Date.parse reads (RFC 3339, RFC 2822) and refuses the rest', async () => {
    for (const at of ['2026-12-02T10:00:00Z', 'Wed, 02 Dec 2026 10:00:00 GMT']) {
      expect((await validate('notes', { headers: json, body: JSON.stringify({ at }) })).decision, at).toBeUndefined();
    }
    expect(failure((await validate('notes', { headers: json, body: '{"at":"next week"}' })).decision).items).toEqual([
      { pointer: '/at', message: '/at must match format "timestamp"', rule: 'format' },
    ]);
  });

  it('request-validation: a problem with the whole body names "the body"', async () => {
    expect(failure((await validate('notes', { headers: json, body: '[]' })).decision).items).toEqual([
      { pointer: '', message: 'the body must be object', rule: 'type' },
    ]);
  });

  it('request-validation: an overlong Content-Type is quoted cut to its first 100 characters', async () => {
    const type = `text/${'x'.repeat(200)}`;
    const error = failure((await validate('rows', { headers: { 'content-type': type }, body: '{}' })).decision);
    expect(error.params).toEqual({ expected: '`application/json`', received: `\`${type.slice(0, 100)}\`` });
  });

  it('request-validation: config check reports a schema Ajv cannot compile, naming the part', () => {
    const problems: string[] = [];
    const route = { ...(config.routes[1] as (typeof config.routes)[number]), validation: { maxDepth: 64, body: { type: 'nope' }, params: { type: 'object' } } };
    requestValidationStage.checkRoute?.(route as never, 1, config, (path, message) => problems.push(`${path.join('.')}: ${message.slice(0, 20).trimEnd()}`));
    expect(problems).toEqual(['routes.1.validation.body: invalid JSON Schema:']);
    requestValidationStage.checkRoute?.(config.routes.find((candidate) => candidate.id === 'plain') as never, 4, config, (path) => problems.push(path.join('.')));
    expect(problems).toHaveLength(1);
  });
});
