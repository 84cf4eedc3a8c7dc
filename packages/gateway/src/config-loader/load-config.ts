import { readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { operationSchemas } from './openapi-schemas.js';
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { RouteTable, RouteConflictError } from '../routes/route-table.js';
import { formatKeyPath, type ConfigProblem, type ReportProblem } from '../config/config-problem.js';
import type { PortierConfig } from '../config/config-types.js';
import { expandEnv } from '../config/expand-env.js';
import { configSchema } from '../config/schema.js';
import { YamlLocator } from '../config/yaml-locator.js';
import { catalog, shippedLanguages, type ErrorCode } from '../errors/catalog.js';
import { lifecycle } from '../policies/lifecycle.js';
import { builtInRoutesOf, reservedRouteIds } from '../routes/built-in-routes.js';

export type ConfigResult =
  | { readonly ok: true; readonly config: PortierConfig }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };


// `code.optimize` off: the optimizer counts the generated code's names in a plain object per expression
// (`{ [name]: 1 }`), each distinct name a new transition of V8's shared empty-object map. For this schema
// that filled the map's transitions (V8 keeps at most 1,536), and objects made from `{}` afterwards (Node's
// nextTick records among them) got maps of their own, leaving the code that reads them megamorphic for
// the life of the process (docs/benchmarks.md, embedded). Compiled once, this schema needs no optimizing.
const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true, code: { optimize: false } });
const validateSchema = ajv.compile(configSchema);

/** Reads, expands, validates and freezes a config file. Every problem is reported, none thrown. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): ConfigResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'file cannot be read';
    return { ok: false, problems: [{ file, line: 0, column: 0, path: '', message: reason }] };
  }
  return parseConfig(text, file, env);
}

/** Parses config text; `file` names it in problems. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): ConfigResult {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const locator = new YamlLocator(document, lines);
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => {
        const at = locator.positionOfOffset(error.pos[0]);
        return { file, ...at, path: '', message: `YAML syntax: ${firstLine(error.message)}` };
      }),
    };
  }
  const envProblems: ConfigProblem[] = expandEnv(document, env).map((missing) => {
    const at = locator.positionOfOffset(missing.node.range?.[0] ?? 0);
    return { file, ...at, path: '', message: `environment variable ${missing.name} is not set and has no default` };
  });
  const data: unknown = document.toJS() ?? {};
  const schemaProblems: ConfigProblem[] = [];
  if (!validateSchema(data)) {
    for (const error of validateSchema.errors ?? []) schemaProblems.push(describeSchemaError(error, file, locator));
  }
  // The checks the schema cannot express run too when it found problems, so that one `config check`
  // lists everything; on a shape the schema refused they skip what they cannot read.
  const lenient = envProblems.length > 0 || schemaProblems.length > 0;
  // A route the schema refused is left out of the route table: its conflicts would repeat the schema's words.
  const refusedRoute = (index: number): boolean => schemaProblems.some((problem) => problem.path.startsWith(`routes[${index}]`));
  const crossProblems = [...applyOpenApi(data as PortierConfig, file, locator, lenient), ...checkReferences(data as PortierConfig, file, locator, lenient, refusedRoute)];
  const problems = onePerPlace(envProblems, schemaProblems, crossProblems);
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems) };
  return { ok: true, config: deepFreeze(data as PortierConfig) };
}

/**
 * Each problem once: an unset variable is the problem of the value it leaves empty (not also that value's
 * schema error), and a cross-reference problem at a key the schema already reported is left out.
 */
function onePerPlace(envProblems: readonly ConfigProblem[], schemaProblems: readonly ConfigProblem[], crossProblems: readonly ConfigProblem[]): ConfigProblem[] {
  const unset = new Set(envProblems.map((problem) => `${problem.line}:${problem.column}`));
  const schema = schemaProblems.filter((problem) => !unset.has(`${problem.line}:${problem.column}`));
  const reported = new Set(schemaProblems.map((problem) => problem.path));
  const cross = crossProblems.filter((problem) => !reported.has(problem.path) && !unset.has(`${problem.line}:${problem.column}`));
  const seen = new Set<string>();
  return [...envProblems, ...schema, ...cross].filter((problem) => {
    const key = `${problem.line}:${problem.column}:${problem.path}:${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Runs a check; when `lenient` (the schema already refused the file), a shape it cannot read skips it. */
function safely(lenient: boolean, check: () => void): void {
  try {
    check();
  } catch (error) {
    if (!lenient) throw error;
  }
}

function describeSchemaError(error: ErrorObject, file: string, locator: YamlLocator): ConfigProblem {
  const segments = pointerSegments(error.instancePath);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    const name = String(params['additionalProperty']);
    const at = locator.locateKey(segments, name);
    return { file, ...at, path: formatKeyPath([...segments, name]), message: `unknown key "${name}"` };
  }
  const at = locator.locate(segments);
  const path = formatKeyPath(segments);
  switch (error.keyword) {
    case 'required':
      return { file, ...at, path, message: `missing required key "${String(params['missingProperty'])}"` };
    case 'enum':
      return { file, ...at, path, message: `must be one of: ${(params['allowedValues'] as unknown[]).join(', ')}` };
    case 'propertyNames':
      return { file, ...at, path, message: `key "${String(params['propertyName'])}" must match ${idHint}` };
    case 'pattern':
      return { file, ...at, path, message: `must match the pattern ${String(params['pattern'])}` };
    default:
      return { file, ...at, path, message: error.message ?? error.keyword };
  }
}

const idHint = 'lower-case letters, digits, _ . - (at most 64)';

/**
 * Fills route schemas from OpenAPI files (`validation.openapi`), before the config is frozen: the
 * loaded config then holds the schemas themselves. Inline schemas win. Each route with an OpenAPI file
 * must have one method, so that one operation is meant.
 */
function applyOpenApi(config: PortierConfig, file: string, locator: YamlLocator, lenient = false): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (lenient && !Array.isArray(config?.routes)) return problems;
  config.routes.forEach((route, index) => safely(lenient, () => {
    const validation = route.validation as (Record<string, unknown> & { openapi?: string }) | undefined;
    if (validation?.openapi === undefined) return;
    const at = ['routes', index, 'validation', 'openapi'];
    if (route.methods.length !== 1) {
      problems.push({ file, ...locator.locate(at), path: formatKeyPath(at), message: 'a route that takes its schemas from OpenAPI must have exactly one method' });
      return;
    }
    try {
      const schemas = operationSchemas(resolvePath(dirname(file), validation.openapi), route.methods[0] as string, route.path);
      for (const part of ['body', 'query', 'params'] as const) {
        if (validation[part] === undefined && schemas[part] !== undefined) validation[part] = schemas[part];
      }
    } catch (error) {
      problems.push({ file, ...locator.locate(at), path: formatKeyPath(at), message: (error as Error).message });
    }
  }));
  return problems;
}

/**
 * The rules the schema cannot express: each stage's own (see `checkConfig` and `checkRoute` in
 * policies/<stage>/index.ts), then what is about routes as a whole: unique ids, ids that exist where they are
 * named, and routes that fit one table.
 */
function checkReferences(config: PortierConfig, file: string, locator: YamlLocator, lenient = false, refusedRoute: (index: number) => boolean = () => false): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at: ReportProblem = (segments, message) => {
    problems.push({ file, ...locator.locate([...segments]), path: formatKeyPath(segments), message });
  };
  const routes = lenient && !Array.isArray(config?.routes) ? [] : config.routes;
  for (const stage of lifecycle) {
    if (stage.checkConfig !== undefined) safely(lenient, () => stage.checkConfig?.(config, at));
    if (stage.checkRoute !== undefined) routes.forEach((route, index) => safely(lenient, () => stage.checkRoute?.(route, index, config, at)));
  }
  safely(lenient, () => checkLanguages(config, at));
  safely(lenient, () => {
    // A portal sign-in is an access token: without the token section there is nothing to sign in with.
    if (config.portal !== undefined && config.auth?.accessTokens === undefined) at(['portal'], 'the portal needs auth.accessTokens (a sign-in is an access token)');
  });
  const seenIds = new Set<string>(reservedRouteIds);
  routes.forEach((route, index) => safely(lenient, () => {
    if (typeof route.id === 'string' && seenIds.has(route.id)) {
      const reserved = reservedRouteIds.has(route.id);
      at(['routes', index, 'id'], reserved ? `"${route.id}" is reserved for a built-in route` : `duplicate route id "${route.id}"`);
    }
    seenIds.add(route.id);
  }));
  for (const [name, plan] of Object.entries(config.plans ?? {})) {
    safely(lenient, () =>
      plan.routes?.forEach((id, index) => {
        if (!seenIds.has(id)) at(['plans', name, 'routes', index], `route "${id}" does not exist`);
      }),
    );
  }
  safely(lenient, () =>
    config.maintenance.allowRoutes.forEach((id, index) => {
      if (!seenIds.has(id)) at(['maintenance', 'allowRoutes', index], `route "${id}" does not exist`);
    }),
  );
  safely(lenient, () => checkRouteTable(config, at, refusedRoute));
  return problems;
}

/** Routes and built-in routes that cannot share one table (same path and method, or ambiguous). */
function checkRouteTable(config: PortierConfig, at: ReportProblem, refusedRoute: (index: number) => boolean): void {
  const kept = config.routes.map((_, index) => index).filter((index) => !refusedRoute(index));
  const builtIn = builtInRoutesOf(config);
  try {
    const definitions = kept.map((index) => config.routes[index] as PortierConfig['routes'][number]).map((route) => ({ path: route.path, methods: route.methods, target: route.id }));
    new RouteTable([...definitions, ...builtIn.map((route) => ({ path: route.path, methods: route.methods, target: route.id }))]);
  } catch (error) {
    if (!(error instanceof RouteConflictError)) throw error;
    const segments = error.index < kept.length ? ['routes', kept[error.index] as number, 'path'] : [...(builtIn[error.index - kept.length]?.configuredAt ?? [])];
    at(segments, error.message);
  }
}

/** Offered languages have texts; overrides name real codes and keep the English template's parameters. */
function checkLanguages(config: PortierConfig, at: ReportProblem): void {
  const { errors } = config;
  if (!errors.languages.includes(errors.language)) at(['errors', 'language'], `"${errors.language}" is not one of errors.languages`);
  errors.languages.forEach((language, index) => {
    if (!(shippedLanguages as readonly string[]).includes(language) && errors.texts[language] === undefined) {
      at(['errors', 'languages', index], `Portier does not ship "${language}": give its texts under errors.texts.${language}`);
    }
  });
  for (const [language, codes] of Object.entries(errors.texts)) {
    for (const [code, texts] of Object.entries(codes)) {
      if (!(code in catalog)) {
        at(['errors', 'texts', language, code], `unknown error code "${code}"`);
        continue;
      }
      if (texts.detail === undefined) continue;
      // An override may leave parameters out (Codat's fixed "Company limit exceeded"), never invent one.
      const known = new Set(templateParams(catalog[code as ErrorCode].texts.en.detail).split(','));
      const unknown = templateParams(texts.detail).split(',').filter((name) => name !== '' && !known.has(name));
      if (unknown.length > 0) {
        const offered = [...known].filter((name) => name !== '');
        at(['errors', 'texts', language, code, 'detail'], `{${unknown.join('}, {')}} is not a parameter of ${code}${offered.length === 0 ? ' (it has none)' : `: use {${offered.join('}, {')}}`}`);
      }
    }
  }
}

/** The `{parameters}` of a template, sorted and joined (for comparison). */
export function templateParams(template: string): string {
  return [...new Set([...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string))].sort().join(',');
}

function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
