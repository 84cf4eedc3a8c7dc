import { describe, expect, it } from 'vitest';
import { configOf, policyContext, type RequestShape } from '../../../test/helpers/policy-context.js';
import { configuredSpec } from '../../pipeline/compile-routes.js';
import { PortierError } from '../../errors/portier-error.js';
import { phrase } from '../../errors/param-phrases.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import { requestValidationStage } from './index.js';
import { parseJsonText } from './parse-json-text.js';
import { removePointers } from './remove-pointers.js';

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
          tags: { type: array, items: { type: string, maxLength: 3, x-fatal: false, x-drop: true } }
          note: { type: string, maxLength: 4, x-fatal: false }
  - id: lookup
    path: /lookup
    upstream: app
    validation: { query: { type: object, required: [q] } }
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

  it('request-validation: removePointers removes array items from the highest index down, and nested keys', () => {
    const document = { a: [0, 1, 2, 3], b: { 'c/d': 1, e: 2 }, f: 'x' };
    removePointers(document, ['/a/1', '/a/3', '/b/c~1d', '/f/x', '/missing/y']);
    expect(document).toEqual({ a: [0, 2], b: { e: 2 }, f: 'x' });
  });

  it('request-validation: config check reports a schema Ajv cannot compile, naming the part', () => {
    const problems: string[] = [];
    const route = { ...(config.routes[1] as (typeof config.routes)[number]), validation: { maxDepth: 64, body: { type: 'nope' }, params: { type: 'object' } } };
    requestValidationStage.checkRoute?.(route as never, 1, config, (path, message) => problems.push(`${path.join('.')}: ${message.slice(0, 20).trimEnd()}`));
    expect(problems).toEqual(['routes.1.validation.body: invalid JSON Schema:']);
  });
});
