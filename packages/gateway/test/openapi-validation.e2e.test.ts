import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { parseConfig } from '../src/config-loader/load-config.js';
import { formatConfigProblem } from '../src/config/config-problem.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';

const openapi = `openapi: 3.0.3
info: { title: Codat-like, version: "1" }
paths:
  /companies/{companyId}/connections:
    parameters:
      - { name: companyId, in: path, required: true, schema: { type: string, format: uuid } }
    post:
      parameters:
        - { name: dryRun, in: query, schema: { type: boolean } }
      requestBody:
        content:
          application/json:
            schema: { $ref: "#/components/schemas/NewConnection" }
      responses: { "200": { description: ok } }
components:
  schemas:
    NewConnection:
      type: object
      required: [platformKey]
      properties:
        platformKey: { type: string, minLength: 4, example: gbol }
        note: { type: string, nullable: true }
`;

let upstream: TestUpstream;
let portier: TestGateway;
let specFile: string;

beforeAll(async () => {
  specFile = join(mkdtempSync(join(tmpdir(), 'portier-openapi-')), 'api.yaml');
  writeFileSync(specFile, openapi);
  upstream = await startUpstream((_req, res) => json(res, 200, { id: 'conn_1' }));
  portier = await startGateway({
    upstreams: { app: { url: upstream.url } },
    routes: [{ id: 'connect', path: '/companies/:companyId/connections', methods: ['POST'], upstream: 'app', validation: { openapi: specFile } }],
  });
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

const companyId = '5e3a9c1b-8f2d-4b6e-9a7c-1d2e3f4a5b6c';
const post = (path: string, body: unknown) =>
  request(`${portier.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('schemas from an OpenAPI file', () => {
  it('openapi: accepts a request that matches the operation, nullable fields included', async () => {
    const response = await post(`/companies/${companyId}/connections?dryRun=true`, { platformKey: 'gbol', note: null });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
  });

  it('openapi: checks the referenced body schema and the path and query parameters, all at once', async () => {
    const problem = await expectProblem(await post('/companies/not-a-uuid/connections?dryRun=maybe', { platformKey: 'x' }), 400, 'validation_failed');
    expect((problem.errors as { pointer: string; rule: string }[]).map((item) => [item.pointer, item.rule])).toEqual([
      ['/query/dryRun', 'type'],
      ['/params/companyId', 'format'],
      ['/platformKey', 'minLength'],
    ]);
  });

  it('openapi: reports a missing file or operation at boot with the location of the setting', () => {
    const config = (spec: string, path: string) => `upstreams:
  app: { url: "http://127.0.0.1:9000" }
routes:
  - id: connect
    path: ${path}
    methods: [POST]
    upstream: app
    validation: { openapi: "${spec}" }
`;
    const missing = parseConfig(config('/nowhere/api.yaml', '/companies/:companyId/connections'), 'portier.yaml', {});
    const noOperation = parseConfig(config(specFile, '/companies/:companyId/other'), 'portier.yaml', {});
    expect(missing.ok || missing.problems.map(formatConfigProblem)).toEqual(['portier.yaml:8:28 routes[0].validation.openapi: cannot read OpenAPI file /nowhere/api.yaml: ENOENT']);
    expect(noOperation.ok || noOperation.problems.map(formatConfigProblem)).toEqual([
      `portier.yaml:8:28 routes[0].validation.openapi: ${specFile} has no POST operation for /companies/:companyId/other`,
    ]);
  });
});
