import { describe, expect, expectTypeOf, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { parseConfig } from '../src/config-loader/load-config.js';
import { formatConfigProblem } from '../src/config/config-problem.js';
import { withDefaultsOptional } from '../src/config/defaults-optional.js';
import { MapOf } from '../src/config/schema-builders.js';
import { loadedConfigSchema } from '../src/config/schema.js';
import type { HttpMethod, LimitSubject, PortierConfig, RouteConfig } from '../src/config/config-types.js';

const item = Type.Object({ name: Type.String(), size: Type.Integer({ default: 1 }), note: Type.Optional(Type.String()) });
const outer = Type.Object({ list: Type.Array(item, { default: [] }), byKey: MapOf(item), only: Type.Object({ size: Type.Integer({ default: 2 }) }) });

describe('withDefaultsOptional', () => {
  it('withDefaultsOptional: leaves a property with a default out of required, keeps the others, when given an object', () => {
    expect(withDefaultsOptional(item).required).toEqual(['name']);
  });

  it('withDefaultsOptional: drops required when every required property has a default, inside items and maps too', () => {
    const schema = withDefaultsOptional(outer) as unknown as {
      required?: string[];
      properties: { list: { items: { required: string[] } }; byKey: { additionalProperties: { required: string[] } }; only: { required?: string[] } };
    };
    // `only` has no default of its own: the file must give it, even as `{}`.
    expect(schema.required).toEqual(['byKey', 'only']);
    expect(schema.properties.list.items.required).toEqual(['name']);
    expect(schema.properties.byKey.additionalProperties.required).toEqual(['name']);
    expect(schema.properties.only.required).toBeUndefined();
  });

  it('withDefaultsOptional: does not change the schema it is given', () => {
    withDefaultsOptional(outer);
    expect(item.required).toEqual(['name', 'size']);
    expect(outer.properties.only.required).toEqual(['size']);
  });

  it('withDefaultsOptional: keeps the static type of the loaded value, a defaulted property present, when a file omits it', () => {
    const schema = withDefaultsOptional(item);
    expectTypeOf<Static<typeof schema>>().toEqualTypeOf<{ name: string; size: number; note?: string }>();
    // A validator that fills no defaults accepts the file without `size`; ours then fills it.
    const check = new Ajv({ strict: true, allErrors: true }).compile(schema);
    expect(check({ name: 'a' })).toBe(true);
    expect(check({ size: 3 })).toBe(false);
    expect(check.errors?.map((error) => error.message)).toEqual(["must have required property 'name'"]);
    const load = new Ajv({ useDefaults: true, strict: true, allErrors: true }).compile(schema);
    const value: unknown = { name: 'a' };
    expect(load(value)).toBe(true);
    expect(value).toEqual({ name: 'a', size: 1 });
  });
});

// Every optional section present, so that every default of the schema has somewhere to be filled in.
const everySection = `
auth:
  instance: eu1
  accessTokens: { path: /token, secret: ${'s'.repeat(32)} }
  keysApi: { path: /keys }
  store: { postgres: { url: postgres://db/portier } }
admin: { token: ${'t'.repeat(32)} }
portal: { path: /portal }
cors: { origins: ['https://app.example.com'] }
errors:
  texts: { fr: { rate_limited: { items: [{ message: Trop }] } } }
plans:
  free: { limits: [{ name: minute, limit: 10, per: minute }] }
rateLimits: { redis: { url: redis://127.0.0.1:6379 } }
idempotency: { redis: { url: redis://127.0.0.1:6379 } }
operations: { postgres: { url: postgres://db/portier } }
upstreams:
  app: { url: http://127.0.0.1:9000 }
routes:
  - id: rows
    path: /rows/:base
    methods: [POST]
    upstream: app
    maintenance: {}
    limits: [{ name: minute, limit: 10, per: minute }]
    validation: { warningsInBody: { pointer: /errors } }
    idempotency: {}
    auth: { feature: bulk, featureWhen: { pointer: /size, greaterThan: 10 }, entity: { name: rows, action: create } }
  - id: jobs
    path: /jobs
    methods: [POST]
    upstream: app
    async: { webhook: { url: https://hooks.example.com, secret: ${'w'.repeat(16)} } }
    auth: {}
`;

interface SchemaNode {
  readonly default?: unknown;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly items?: SchemaNode;
}

/** Key paths (`routes[].methods`) of every property with a default, and of those a loaded value lacks. */
function walkDefaults(node: SchemaNode, value: unknown, path: string, seen: Set<string>, missing: string[]): void {
  if (Array.isArray(value)) {
    for (const entry of value) if (node.items !== undefined) walkDefaults(node.items, entry, `${path}[]`, seen, missing);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const members = value as Record<string, unknown>;
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const at = path === '' ? name : `${path}.${name}`;
    if (child.default !== undefined) {
      seen.add(at);
      if (!(name in members)) missing.push(at);
    }
    if (name in members) walkDefaults(child, members[name], at, seen, missing);
  }
  if (typeof node.additionalProperties === 'object') {
    for (const entry of Object.values(members)) walkDefaults(node.additionalProperties, entry, `${path}.<key>`, seen, missing);
  }
}

function defaultedPaths(node: SchemaNode, path: string, paths: Set<string>): Set<string> {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const at = path === '' ? name : `${path}.${name}`;
    if (child.default !== undefined) paths.add(at);
    defaultedPaths(child, at, paths);
  }
  if (typeof node.additionalProperties === 'object') defaultedPaths(node.additionalProperties, `${path}.<key>`, paths);
  if (node.items !== undefined) defaultedPaths(node.items, `${path}[]`, paths);
  return paths;
}

describe('config types', () => {
  it('config types: a loaded file has every default of the schema filled in, as its type says, when every section is given', () => {
    const result = parseConfig(everySection, 'portier.yaml', {});
    if (!result.ok) throw new Error(result.problems.map(formatConfigProblem).join('\n'));
    const config: PortierConfig = result.config;
    const seen = new Set<string>();
    const missing: string[] = [];
    walkDefaults(loadedConfigSchema as SchemaNode, config, '', seen, missing);
    expect(missing).toEqual([]);
    expect([...defaultedPaths(loadedConfigSchema as SchemaNode, '', new Set())].filter((path) => !seen.has(path))).toEqual([]);
    expect(config.routes[1]?.async?.webhook?.maxAttempts).toBe(8);
    expect(config.errors.texts['fr']?.['rate_limited']?.items?.[0]).toEqual({ pointer: '', message: 'Trop', rule: '' });
  });

  it('config types: a defaulted property is required, one without a default optional, everything read-only, when loaded', () => {
    expectTypeOf<RouteConfig['methods']>().toEqualTypeOf<readonly HttpMethod[]>();
    expectTypeOf<RouteConfig['cost']>().toEqualTypeOf<number>();
    expectTypeOf<Record<never, never>>().not.toExtend<Pick<RouteConfig, 'cost'>>();
    expectTypeOf<Record<never, never>>().toExtend<Pick<RouteConfig, 'maxBodyBytes' | 'auth'>>();
    expectTypeOf<PortierConfig['routes']>().toEqualTypeOf<readonly RouteConfig[]>();
    expectTypeOf<LimitSubject>().toEqualTypeOf<'key' | 'account' | 'ip' | 'route' | `param:${string}`>();
    expectTypeOf<PortierConfig['server']>().toEqualTypeOf<Readonly<PortierConfig['server']>>();
    expectTypeOf<{ port: number }>().not.toEqualTypeOf<Pick<PortierConfig['server'], 'port'>>();
  });
});

const srcDir = fileURLToPath(new URL('../src/', import.meta.url));
/** Pure modules a section schema may import besides TypeBox and other section schemas. */
const pureModules = ['config/schema-builders.ts', 'config/schema-constants.ts', 'config/duration.ts', 'envelopes/envelope-names.ts'];

describe('section schemas', () => {
  it('section schemas: import only TypeBox, other section schemas and pure constants, so that any module may import them', () => {
    const schemaFiles = readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('config-schema.ts'));
    expect(schemaFiles.length).toBeGreaterThan(15);
    const allowed = new Set([...schemaFiles, ...pureModules]);
    const strays: string[] = [];
    for (const file of [...schemaFiles, ...pureModules]) {
      const text = readFileSync(join(srcDir, file), 'utf8');
      for (const [, specifier] of text.matchAll(/from '([^']+)'/g)) {
        if (specifier === '@sinclair/typebox') continue;
        const target = specifier?.startsWith('.') === true ? relative(srcDir, resolve(dirname(join(srcDir, file)), specifier)).replace(/\.js$/, '.ts') : specifier;
        if (!allowed.has(target as string)) strays.push(`${file} imports ${specifier}`);
      }
    }
    expect(strays).toEqual([]);
  });
});
