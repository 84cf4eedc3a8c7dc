import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config-loader/load-config.js';
import { formatConfigProblem } from '../src/config/config-problem.js';
import { configSchema } from '../src/config/schema.js';

const minimal = `
upstreams:
  app:
    url: http://127.0.0.1:9000
routes:
  - id: rows
    path: /rows
    upstream: app
`;

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  const result = parseConfig(text, 'portier.yaml', env);
  if (result.ok) throw new Error('expected problems');
  return result.problems.map(formatConfigProblem);
}

describe('config loading', () => {
  it('config: fills every default when a minimal file is given', () => {
    const result = parseConfig(minimal, 'portier.yaml', {});
    if (!result.ok) throw new Error(result.problems.map(formatConfigProblem).join('\n'));
    expect(result.config.server).toMatchObject({ host: '127.0.0.1', port: 8080, maxBodyBytes: 1048576, healthPath: '/healthz' });
    expect(result.config.upstreams['app']).toMatchObject({ errors: 'passthrough', circuitBreaker: { failureThreshold: 5, openMs: 30000 } });
    expect(result.config.routes[0]?.methods).toEqual(['GET']);
    expect(result.config.errors.envelope).toBe('problem');
    expect(Object.isFrozen(result.config.routes[0])).toBe(true);
  });

  it('config: reports every problem at once with line, column and key path when a file has several mistakes', () => {
    const text = `server:
  port: eighty
  colour: blue
upstreams:
  app:
    url: ftp://nope
routes:
  - id: Rows
    path: rows
    methods: [GET, FETCH]
    upstream: app
  - path: /x
    upstream: missing
`;
    expect(problemsOf(text)).toEqual([
      'portier.yaml:2:9 server.port: must be integer',
      'portier.yaml:3:3 server.colour: unknown key "colour"',
      'portier.yaml:6:10 upstreams.app.url: must match the pattern ^https?://[^\\s/?#]+(/[^\\s?#]*)?$',
      'portier.yaml:8:9 routes[0].id: must match the pattern ^[a-z0-9][a-z0-9_.-]{0,63}$',
      'portier.yaml:9:11 routes[0].path: must match the pattern ^/[^\\s?#]*$',
      'portier.yaml:10:20 routes[0].methods[1]: must be one of: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
      'portier.yaml:12:5 routes[1]: missing required key "id"',
      'portier.yaml:13:15 routes[1].upstream: upstream "missing" is not defined under upstreams',
    ]);
  });

  it('config: reports references to things that do not exist and duplicate routes', () => {
    const text = `maintenance:
  allowRoutes: [health, nope]
upstreams:
  app: { url: "http://127.0.0.1:9000" }
routes:
  - { id: a, path: /a, upstream: ghost }
  - { id: a, path: /b, upstream: app }
  - { id: c, path: /a, upstream: app }
`;
    expect(problemsOf(text)).toEqual([
      'portier.yaml:2:25 maintenance.allowRoutes[1]: route "nope" does not exist',
      'portier.yaml:6:34 routes[0].upstream: upstream "ghost" is not defined under upstreams',
      'portier.yaml:7:11 routes[1].id: duplicate route id "a"',
      'portier.yaml:8:20 routes[2].path: GET /a is already served by route "a"',
    ]);
  });

  it('config: refuses limits that would share one counter between callers or name an unknown time zone', () => {
    const text = `upstreams:
  app: { url: "http://127.0.0.1:9000" }
routes:
  - id: open
    path: /open
    upstream: app
    limits:
      - { name: minute, limit: 10, per: minute, by: [key] }
      - { name: day, limit: 10, per: day, algorithm: fixed, timeZone: Mars/Olympus, by: [ip] }
      - { name: base, limit: 10, per: minute, by: [param:base] }
`;
    expect(problemsOf(text)).toEqual([
      'portier.yaml:8:53 routes[0].limits[0].by: "key" needs route auth: without a key every caller would share one counter',
      'portier.yaml:9:71 routes[0].limits[1].timeZone: unknown time zone "Mars/Olympus"',
      'portier.yaml:10:51 routes[0].limits[2].by: the path has no parameter ":base"',
    ]);
  });

  it('config: refuses token and key templates that name unknown fields, and keys routes that collide with a route', () => {
    const text = `auth:
  instance: eu1
  accessTokens: { path: /token, secret: "${'s'.repeat(32)}", response: { t: "{token}", who: "{user}" } }
  keysApi: { path: /keys, key: { id: "{id}", pin: "{pin?}" }, list: { items: "{keys}", n: "{count}" } }
upstreams:
  app: { url: "http://127.0.0.1:9000" }
routes:
  - id: keys
    path: /keys
    upstream: app
`;
    expect(problemsOf(text)).toEqual([
      'portier.yaml:3:87 auth.accessTokens.response: unknown field "{user}" in the token answer template: use {token}, {expiresAt}, {keyId}, {keyName}, {accountId}, {binding}',
      'portier.yaml:4:20 auth.keysApi.path: GET /keys is already served by route "keys"',
      'portier.yaml:4:32 auth.keysApi.key: unknown field "{pin}" in the key template: use {id}, {name}, {display}, {secret}, {scopes}, {bindings}, {status}, {createdAt}, {lastUsedAt}, {expiresAt}',
      'portier.yaml:4:69 auth.keysApi.list: unknown field "{count}" in the key list template: use {keys}',
    ]);
  });

  it('config: refuses async and idempotent routes that could not keep their promise', () => {
    const text = `operations:
  path: /companies/:companyId/push
  body: { key: "{id}", odd: "{colour}" }
upstreams:
  app: { url: "http://127.0.0.1:9000" }
routes:
  - id: push
    path: /push
    methods: [POST]
    upstream: app
    async: {}
  - id: pay
    path: /pay
    methods: [POST]
    upstream: app
    idempotency: {}
`;
    expect(problemsOf(text)).toEqual([
      'portier.yaml:3:9 operations.body: unknown field "{colour}" in the operation body template',
      'portier.yaml:11:12 routes[0].async: async routes need route `auth` with a required key: operations belong to an account',
      'portier.yaml:11:12 routes[0].async: `operations.path` names ":companyId", which this route\'s path does not have',
      'portier.yaml:16:18 routes[1].idempotency: idempotency needs route `auth` with a required key: records are kept per account, and without one every client behind the same address (a load balancer) would share them',
      'portier.yaml:16:18 routes[1].idempotency: idempotency needs a store: `idempotency.sqlitePath`, `idempotency.redis` or the `auth` section\'s database',
    ]);
  });

  it('config: refuses operator texts that name unknown codes or invent template parameters (leaving some out is fine), and languages without texts', () => {
    const text = `errors:
  language: es
  languages: [en, it]
  texts:
    fr:
      not_found: { detail: "Rien pour {path} ({route})" }
      no_such_code: { title: x }
    en:
      entity_limit_reached: { detail: "CompanyValidationException: Company limit exceeded" }
upstreams:
  app: { url: "http://127.0.0.1:9000" }
routes:
  - { id: rows, path: /rows, upstream: app }
`;
    expect(problemsOf(text)).toEqual([
      'portier.yaml:2:13 errors.language: "es" is not one of errors.languages',
      'portier.yaml:3:19 errors.languages[1]: Portier does not ship "it": give its texts under errors.texts.it',
      'portier.yaml:6:28 errors.texts.fr.not_found.detail: {route} is not a parameter of not_found: use {method}, {path}',
      'portier.yaml:7:21 errors.texts.fr.no_such_code: unknown error code "no_such_code"',
    ]);
  });

  it('config: reports a request schema with a mistake at boot, with its location', () => {
    const text = `upstreams:
  app: { url: "http://127.0.0.1:9000" }
routes:
  - id: send
    path: /send
    methods: [POST]
    upstream: app
    validation:
      body: { type: object, properties: { n: { type: intger } } }
`;
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^portier\.yaml:9:13 routes\[0\]\.validation\.body: invalid JSON Schema: /);
  });

  it('config: reports YAML syntax errors and duplicate keys with their line', () => {
    expect(problemsOf('routes: [\n')[0]).toMatch(/^portier\.yaml:\d+:\d+ YAML syntax/);
    expect(problemsOf('upstreams: {}\nupstreams: {}\n')[0]).toMatch(/^portier\.yaml:2:1 YAML syntax/);
  });

  it('config: expands environment references and keeps the type of a whole-value reference', () => {
    const text = minimal.replace('http://127.0.0.1:9000', '${UPSTREAM}') + 'server:\n  port: ${PORT:-9999}\n  host: "${HOST:-0.0.0.0}"\n';
    const result = parseConfig(text, 'portier.yaml', { UPSTREAM: 'http://10.0.0.1:81' });
    if (!result.ok) throw new Error(result.problems.map(formatConfigProblem).join('\n'));
    expect(result.config.upstreams['app']?.url).toBe('http://10.0.0.1:81');
    expect(result.config.server.port).toBe(9999);
    expect(result.config.server.host).toBe('0.0.0.0');
  });

  it('config: reports a missing environment variable with its location', () => {
    const text = minimal.replace('http://127.0.0.1:9000', '${UPSTREAM_URL}');
    expect(problemsOf(text)).toContain('portier.yaml:4:10 environment variable UPSTREAM_URL is not set and has no default');
  });

  it('config: an unset variable is one problem, not also the schema error of the value it leaves empty', () => {
    const text = minimal.replace('http://127.0.0.1:9000', '${UPSTREAM_URL}');
    expect(problemsOf(text)).toEqual(['portier.yaml:4:10 environment variable UPSTREAM_URL is not set and has no default']);
  });

  it('config: reports wrong references and duplicate ids in the same pass as schema problems, each once', () => {
    const text = `
server:
  colour: blue
upstreams:
  app:
    url: \${APP_URL}
routes:
  - id: rows
    path: /rows
    upstream: ap
  - id: rows
    path: /other
    methods: [FETCH]
    upstream: app
  - id: rest
    upstream: app
`;
    expect(problemsOf(text)).toEqual([
      'portier.yaml:3:3 server.colour: unknown key "colour"',
      'portier.yaml:6:10 environment variable APP_URL is not set and has no default',
      'portier.yaml:10:15 routes[0].upstream: upstream "ap" is not defined under upstreams',
      'portier.yaml:11:9 routes[1].id: duplicate route id "rows"',
      'portier.yaml:13:15 routes[1].methods[0]: must be one of: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
      'portier.yaml:15:5 routes[2]: missing required key "path"',
    ]);
  });

  it('config: a file of the wrong shape gives its schema problems, not an exception from the later checks', () => {
    for (const text of ['routes: 3\n', '- a\n- b\n', 'upstreams: 1\nroutes: [{ id: x, path: /x, upstream: nope }]\nplans: 2\nmaintenance: 3\n']) {
      expect(problemsOf(text).length).toBeGreaterThan(0);
    }
  });

  it('config: reports a file that is not there without throwing', async () => {
    const { loadConfigFile } = await import('../src/config-loader/load-config.js');
    const result = loadConfigFile('/definitely/not/here.yaml');
    expect(result.ok).toBe(false);
  });

  it('config schema: has a description on every field', () => {
    const missing: string[] = [];
    const walk = (node: Record<string, unknown>, path: string): void => {
      if (typeof node['description'] !== 'string' || node['description'] === '') missing.push(path);
      const properties = node['properties'] as Record<string, Record<string, unknown>> | undefined;
      for (const [name, child] of Object.entries(properties ?? {})) walk(child, `${path}.${name}`);
      const additional = node['additionalProperties'];
      if (typeof additional === 'object' && additional !== null) walk(additional as Record<string, unknown>, `${path}.<key>`);
      const items = node['items'];
      if (typeof items === 'object' && items !== null) walk(items as Record<string, unknown>, `${path}[]`);
    };
    walk(configSchema as unknown as Record<string, unknown>, '(root)');
    expect(missing).toEqual([]);
  });
});
