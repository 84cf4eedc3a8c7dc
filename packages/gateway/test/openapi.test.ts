import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Validator } from '@seriousme/openapi-schema-validator';
import { parseConfig } from '../src/config-loader/load-config.js';
import { renderOpenApi } from '../src/docs/render-openapi.js';
import { runCli } from './helpers/cli.js';

const config = {
  auth: { instance: 'eu1', schemes: ['bearer', 'basic'], store: { sqlitePath: '/tmp/unused.db' }, keysApi: { path: '/apiKeys' } },
  plans: { free: { trialDays: 365, limits: [{ name: 'minute', limit: 300, per: 'minute', by: ['param:base'] }] } },
  operations: { path: '/companies/:companyId/push' },
  upstreams: { app: { url: 'http://127.0.0.1:9000' } },
  routes: [
    {
      id: 'rows',
      path: '/bases/:base/rows',
      methods: ['GET', 'POST'],
      upstream: 'app',
      auth: { scopes: ['rows:write'] },
      idempotency: { required: true },
      validation: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } }, query: { type: 'object', properties: { limit: { type: 'integer' } } } },
    },
    { id: 'push', path: '/companies/:companyId/push/:dataType', methods: ['POST'], upstream: 'app', auth: {}, async: {}, envelope: 'codat' },
    { id: 'public', path: '/public/*', upstream: 'app' },
  ],
};

function loaded() {
  const result = parseConfig(stringify(config), 'portier.yaml', {});
  if (!result.ok) throw new Error('config invalid');
  return result.config;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('OpenAPI document', () => {
  it('openapi: is a valid OpenAPI 3.1 document', async () => {
    const document = renderOpenApi(loaded(), { title: 'Rows API', version: '2.0.0', serverUrl: 'https://api.example.com' });
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('openapi: describes each route with its parameters, body, security and every error it can produce, with an example per code', () => {
    const document = renderOpenApi(loaded(), { title: 'Rows API', version: '2.0.0' }) as Json;
    const post = document['paths']['/bases/{base}/rows']['post'];
    expect(post.operationId).toBe('rows-post');
    expect(post.parameters.map((item: Json) => `${item['in']}:${item['name']}`)).toEqual(['path:base', 'query:limit', 'header:Idempotency-Key']);
    expect(post.requestBody.content['application/json'].schema.required).toEqual(['name']);
    expect(post.security).toEqual([{ bearerKey: [] }, { basicKey: [] }]);
    const problems = (status: string): string[] => Object.keys(post.responses[status].content['application/problem+json'].examples).sort();
    expect(problems('401')).toEqual(['authentication_required', 'credentials_malformed', 'invalid_token', 'key_expired']);
    expect(problems('402')).toEqual(['trial_expired']);
    expect(problems('403')).toEqual(['access_denied', 'account_disabled', 'key_obsolete', 'key_revoked']);
    expect(problems('400')).toEqual(['bad_request', 'idempotency_key_invalid', 'idempotency_key_required', 'invalid_json', 'invalid_request_target', 'validation_failed']);
    expect(problems('409')).toEqual(['idempotency_request_in_flight']);
    expect(problems('422')).toEqual(['idempotency_key_mismatch']);
    expect(problems('429')).toEqual(['rate_limited']);
    expect(problems('4XX')).toEqual(['upstream_client_error']);
    const example = post.responses['429'].content['application/problem+json'].examples.rate_limited.value;
    expect(example).toMatchObject({ type: '/docs/errors#rate_limited', status: 429, code: 'rate_limited', title: 'Too many requests' });

    const push = document['paths']['/companies/{companyId}/push/{dataType}']['post'];
    expect(push.responses['202'].headers.Location).toBeDefined();
    expect(push.responses['503'].content['application/json'].schema.$ref).toBe('#/components/schemas/CodatError');
    expect(push.responses['503'].content['application/json'].examples.operation_queue_full.value).toMatchObject({ statusCode: 503, canBeRetried: 'Unknown' });
    expect(push.responses['502']).toBeUndefined();
    expect(document['paths']['/companies/{companyId}/push/{operationId}/result']['get'].responses['409']).toBeDefined();
    expect(document['paths']['/public/{rest}']['get'].security).toBeUndefined();
    expect(Object.keys(document['components'].schemas).sort()).toEqual(['CodatError', 'ProblemError']);
    const keys = document['paths']['/apiKeys'];
    expect(Object.keys(keys['post'].responses)).toEqual(expect.arrayContaining(['201', '409']));
    expect(Object.keys(keys['post'].responses['409'].content['application/problem+json'].examples)).toEqual(['key_limit_reached']);
    expect(document['paths']['/apiKeys/{keyId}']['delete'].responses['404']).toBeDefined();
    expect(Object.keys(keys['get'].responses['402'].content['application/problem+json'].examples)).toEqual(['trial_expired']);
    expect(document['paths']['/companies/{companyId}/push/{operationId}']['get'].responses['402']).toBeDefined();
  });

  it('openapi: describes a route the app answers (`app: true`) like a proxied one, without the upstream\'s errors', async () => {
    const result = parseConfig(
      stringify({
        auth: { instance: 'eu1', store: { sqlitePath: '/tmp/unused.db' } },
        plans: { free: {} },
        routes: [
          {
            id: 'projects-create',
            path: '/projects/:team',
            methods: ['POST'],
            app: true,
            auth: { scopes: ['projects:write'] },
            validation: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
            idempotency: {},
          },
        ],
      }),
      'portier.yaml',
      {},
    );
    if (!result.ok) throw new Error('config invalid');
    const document = renderOpenApi(result.config, { title: 'Projects API', version: '1.0.0', serverUrl: 'https://api.example.com/v1' }) as Json;
    expect((await new Validator().validate(document)).valid).toBe(true);
    const operation = document['paths']['/projects/{team}']['post'] as Json;
    expect(operation['operationId']).toBe('projects-create');
    expect(operation['parameters'].map((parameter: Json) => parameter['name'])).toEqual(['team', 'Idempotency-Key']);
    expect(operation['requestBody']['content']['application/json']['schema']['required']).toEqual(['name']);
    expect(operation['security']).toEqual([{ bearerKey: [] }]);
    expect(operation['responses']['2XX']['description']).toContain('the app Portier runs in');
    expect(Object.keys(operation['responses']['401']['content']['application/problem+json']['examples'])).toContain('authentication_required');
    expect(Object.keys(operation['responses']['403']['content']['application/problem+json']['examples'])).toContain('access_denied');
    expect(Object.keys(operation['responses']['500']['content']['application/problem+json']['examples'])).toEqual(['internal_error']);
    // The app answers, not an upstream: no bad_gateway, upstream_timeout or circuit.
    expect(Object.keys(operation['responses'])).not.toContain('502');
    expect(Object.keys(operation['responses'])).not.toContain('504');
  });

  it('openapi: an async route the app answers (`app: true` + `async`) is described as 202 + Location, as any async route', async () => {
    const result = parseConfig(
      stringify({
        auth: { instance: 'eu1', store: { sqlitePath: '/tmp/unused.db' } },
        plans: { free: {} },
        routes: [{ id: 'exports-create', path: '/exports', methods: ['POST'], app: true, auth: {}, async: { deadline: '1m' } }],
      }),
      'portier.yaml',
      {},
    );
    if (!result.ok) throw new Error('config invalid');
    const document = renderOpenApi(result.config, { title: 'Exports API', version: '1.0.0', serverUrl: 'https://api.example.com/v1' }) as Json;
    expect((await new Validator().validate(document)).valid).toBe(true);
    const responses = document['paths']['/exports']['post']['responses'] as Json;
    expect(responses['202']['headers']['Location']).toBeDefined();
    expect(responses['2XX']).toBeUndefined();
  });

  it('openapi: `portier docs openapi` prints it as JSON or YAML', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'portier-openapi-')), 'portier.yaml');
    writeFileSync(file, stringify(config));
    const json = await runCli(['docs', 'openapi', '--config', file, '--title', 'Rows API']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ openapi: '3.1.0', info: { title: 'Rows API', version: '1.0.0' } });
    const yaml = await runCli(['docs', 'openapi', '--config', file, '--format', 'yaml']);
    expect(yaml.stdout).toMatch(/^openapi: 3\.1\.0\n/);
  });

  it('docs errors: prints the reference in a language as Markdown or HTML, and refuses a language that is not offered', async () => {
    const html = await runCli(['docs', 'errors', '--lang', 'ru', '--format', 'html']);
    expect(html.code).toBe(0);
    expect(html.stdout).toContain('<html lang="ru">');
    const md = await runCli(['docs', 'errors', '--lang', 'de']);
    expect(md.stdout).toMatch(/^# Fehlerreferenz\n/);
    const unknown = await runCli(['docs', 'errors', '--lang', 'xx']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('"xx" is not offered');
  });
});
