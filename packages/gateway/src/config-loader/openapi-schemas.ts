import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

type Json = Record<string, unknown>;

export interface OperationSchemas {
  readonly body?: Json;
  readonly query?: Json;
  readonly params?: Json;
}

/** Keywords of OpenAPI schemas that JSON Schema draft-07 does not have; they only annotate. */
const openApiOnly = new Set(['example', 'xml', 'externalDocs', 'discriminator', 'deprecated']);
const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/**
 * Reads the schemas of one operation of an OpenAPI 3.x document: the JSON request body, and the
 * query and path parameters as object schemas. Local `$ref`s are inlined; `nullable: true` becomes a
 * null type. Throws an Error whose message says what is wrong (file, operation, reference).
 */
export function operationSchemas(file: string, method: string, routePath: string): OperationSchemas {
  let document: Json;
  try {
    const text = readFileSync(file, 'utf8');
    document = (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Json;
  } catch (error) {
    throw new Error(`cannot read OpenAPI file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (typeof document?.['openapi'] !== 'string' || !String(document['openapi']).startsWith('3.')) {
    throw new Error(`${file} is not an OpenAPI 3.x document`);
  }
  const paths = (document['paths'] ?? {}) as Record<string, Json>;
  const entry = Object.entries(paths).find(([path]) => path.replace(/\{([^}]+)\}/g, ':$1') === routePath);
  const lower = method.toLowerCase();
  const operation = entry?.[1][lower] as Json | undefined;
  if (entry === undefined || operation === undefined || !methods.includes(lower)) {
    throw new Error(`${file} has no ${method.toUpperCase()} operation for ${routePath}`);
  }
  const resolve = (value: unknown, depth = 0): unknown => inline(value, document, depth);
  const parameters = [...((entry[1]['parameters'] as Json[] | undefined) ?? []), ...((operation['parameters'] as Json[] | undefined) ?? [])].map(
    (parameter) => resolve(parameter) as Json,
  );
  const body = resolve(((operation['requestBody'] as Json | undefined)?.['content'] as Json | undefined)?.['application/json']) as Json | undefined;
  const out: { body?: Json; query?: Json; params?: Json } = {};
  if (body?.['schema'] !== undefined) out.body = body['schema'] as Json;
  const query = objectOf(parameters.filter((parameter) => parameter['in'] === 'query'));
  const params = objectOf(parameters.filter((parameter) => parameter['in'] === 'path'));
  if (query !== undefined) out.query = query;
  if (params !== undefined) out.params = params;
  return out;
}

function objectOf(parameters: readonly Json[]): Json | undefined {
  if (parameters.length === 0) return undefined;
  const properties: Json = {};
  const required: string[] = [];
  for (const parameter of parameters) {
    const name = String(parameter['name']);
    properties[name] = parameter['schema'] ?? {};
    if (parameter['required'] === true) required.push(name);
  }
  return required.length > 0 ? { type: 'object', properties, required } : { type: 'object', properties };
}

function inline(value: unknown, document: Json, depth: number): unknown {
  if (depth > 64) throw new Error('$ref nesting deeper than 64 (a cycle?)');
  if (Array.isArray(value)) return value.map((item) => inline(item, document, depth));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Json;
  if (typeof record['$ref'] === 'string') return inline(lookup(document, record['$ref']), document, depth + 1);
  const out: Json = {};
  for (const [key, child] of Object.entries(record)) {
    if (openApiOnly.has(key) || key === 'nullable') continue;
    out[key] = key === 'properties' || key === 'patternProperties' ? mapValues(child as Json, (item) => inline(item, document, depth)) : inline(child, document, depth);
  }
  if (record['nullable'] === true && typeof out['type'] === 'string') out['type'] = [out['type'], 'null'];
  return out;
}

function mapValues(record: Json, map: (value: unknown) => unknown): Json {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}

function lookup(document: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local references are supported: ${ref}`);
  let current: unknown = document;
  for (const token of ref.slice(2).split('/')) {
    const name = token.replace(/~1/g, '/').replace(/~0/g, '~');
    current = current !== null && typeof current === 'object' ? (current as Json)[name] : undefined;
    if (current === undefined) throw new Error(`unresolved reference ${ref}`);
  }
  return current;
}
