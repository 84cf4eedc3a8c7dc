import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Braze } from 'braze-api';
import { Base } from 'seatable-api';

/** One method of a client library and the HTTP request it sends. */
export interface ClientRoute {
  /** How a caller names it: `pushData.listOperations`, `users.track`, `getRow`. */
  readonly name: string;
  /** `GET /companies/{companyId}/push`: the method and the path, `{name}` for what the caller fills in. */
  readonly route: string;
}

const nodeModules = new URL('../../node_modules/', import.meta.url);

/**
 * Every method of `@codat/platform` (Speakeasy-generated TypeScript) with its route, read from the
 * package's own source: `sdk/sdk.ts` names the groups, each group's class calls one function of
 * `funcs/`, and that function holds the HTTP method and the path template.
 */
export function codatPlatformRoutes(): ClientRoute[] {
  const src = new URL('@codat/platform/src/', nodeModules);
  const read = (path: string): string => readFileSync(new URL(path, src), 'utf8');
  const groups = [...read('sdk/sdk.ts').matchAll(/get (\w+)\(\): (\w+) \{/g)].map(([, property, className]) => ({ property: property as string, className: className as string }));
  const routes: ClientRoute[] = [];
  for (const file of readdirSync(new URL('sdk/', src)).filter((name) => name.endsWith('.ts'))) {
    const text = read(`sdk/${file}`);
    const className = /export class (\w+) extends ClientSDK/.exec(text)?.[1];
    const group = groups.find((item) => item.className === className);
    if (group === undefined) continue;
    for (const [, method, func] of text.matchAll(/async (\w+)\([^)]*\)[^{]*\{\s*return unwrapAsync\((\w+)\(/g)) {
      const source = read(`funcs/${func as string}.ts`);
      const httpMethod = /method: "([A-Z]+)"/.exec(source)?.[1];
      const path = /pathToFunc\(\s*"([^"]+)"/.exec(source)?.[1];
      if (httpMethod === undefined || path === undefined) throw new Error(`@codat/platform: no route found in funcs/${func as string}.ts`);
      routes.push({ name: `${group.property}.${method as string}`, route: `${httpMethod} ${path}` });
    }
  }
  return routes;
}

/** A local server that answers every request with `body` and notes each request's method and path. */
async function startRecorder(body: (req: IncomingMessage) => unknown): Promise<{ url: string; take(): string[]; close(): Promise<void> }> {
  let seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method ?? ''} ${decodeURIComponent((req.url ?? '').split('?')[0] ?? '')}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body(req)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    take: () => {
      const taken = seen;
      seen = [];
      return taken;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Calls a method and waits for what it sends; what it does with the recorder's answer does not matter. */
async function settle(result: unknown): Promise<void> {
  try {
    const value = await result;
    if (value !== null && typeof value === 'object' && Symbol.asyncIterator in value) {
      for await (const item of value as AsyncIterable<unknown>) {
        void item;
        break;
      }
    }
  } catch {
    // The recorder's answer is not what the method expects: the request is recorded all the same.
  }
}

/** What a method that sends nothing is listed with. */
export const noRequest = '(no request)';

/** A request body or query whose every field reads as `{field}`, and which serializes as `{}`. */
const namedFields = new Proxy({}, { get: (_target, field) => (typeof field === 'string' ? `{${field}}` : undefined) });

/** The parameter names of an arrow function, from its source: `(campaignId, body) => ...`. */
function arrowParameters(fn: (...args: unknown[]) => unknown): string[] {
  const list = /^\(?([^)=]*)\)?\s*=>/.exec(fn.toString())?.[1]?.trim() ?? '';
  return list === '' ? [] : list.split(',').map((item) => item.trim());
}

/**
 * Every method of `braze-api` with its route: the client object is walked for its functions (the
 * package is compiled JavaScript with nested groups), and each is called once against a recorder, with
 * `{name}` for an argument named `name` and, for a body or parameters, an object whose fields read
 * `{field}` (so `catalogs.synchronous.item` shows `/catalogs/{catalog_name}/items/{item_id}`).
 */
export async function brazeApiRoutes(): Promise<ClientRoute[]> {
  const recorder = await startRecorder(() => ({ message: 'success' }));
  const routes: ClientRoute[] = [];
  try {
    const walk = async (node: object, prefix: string): Promise<void> => {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'apiUrl' || key === 'apiKey') continue;
        const name = prefix === '' ? key : `${prefix}.${key}`;
        if (typeof value === 'function') {
          const fn = value as (...args: unknown[]) => unknown;
          await settle(fn(...arrowParameters(fn).map((parameter) => (parameter === 'body' || parameter === 'parameters' ? namedFields : `{${parameter}}`))));
          const sent = recorder.take();
          routes.push(...(sent.length === 0 ? [noRequest] : sent).map((route) => ({ name, route })));
        } else if (value !== null && typeof value === 'object') {
          await walk(value as object, name);
        }
      }
    };
    await walk(new Braze(recorder.url, 'recorder-key'), '');
  } finally {
    await recorder.close();
  }
  return routes;
}

/**
 * Every method of `seatable-api`'s `Base` with its routes, once `auth()` has answered
 * `use_api_gateway: true` (as SeaTable 4+ does): each method is called against a recorder with its
 * arguments named after its parameters in the package source (`getRow('{table_name}', '{row_id}')`),
 * so the recorded path shows where each goes. A method may send more than one request.
 */
export async function seatableApiRoutes(): Promise<ClientRoute[]> {
  const recorder = await startRecorder(() => ({ access_token: 'recorder-token', dtable_uuid: '{dtable_uuid}', use_api_gateway: true }));
  const lib = new URL('./', pathToFileURL(createRequire(import.meta.url).resolve('seatable-api')));
  const sources = ['api-gateway.js', 'base.js'].map((file) => readFileSync(new URL(file, lib), 'utf8'));
  const routes: ClientRoute[] = [];
  try {
    const base = new Base({ server: recorder.url, APIToken: 'recorder-api-token' });
    await settle(base.auth());
    for (const route of recorder.take()) routes.push({ name: 'auth', route });
    const internal = new Set(['constructor', 'auth', 'useApiGatewayWrapper', 'apiGatewayWrapper', 'getResponseHeaders', 'getResult']);
    const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(base) as object).filter((name) => !internal.has(name));
    for (const name of methods) {
      const fn = (base as unknown as Record<string, (...args: unknown[]) => unknown>)[name];
      if (typeof fn !== 'function') continue;
      await settle(fn.apply(base, parameterNames(sources, name).map((parameter) => `{${parameter}}`)));
      const sent = recorder.take();
      routes.push(...(sent.length === 0 ? [noRequest] : sent).map((route) => ({ name, route })));
    }
  } finally {
    await recorder.close();
  }
  return routes;
}

/** A method's parameter names in the compiled source: the generator of an async method, or the function itself. */
function parameterNames(sources: readonly string[], name: string): string[] {
  for (const source of sources) {
    const at = source.indexOf(`key: "${name}",`);
    if (at < 0) continue;
    const next = source.indexOf('key: "', at + 1);
    const body = source.slice(at, next < 0 ? undefined : next);
    const match = /function _callee\d*\(([^)]*)\)/.exec(body) ?? new RegExp(`function ${name}\\(([^)]*)\\)`).exec(body);
    const list = match?.[1]?.trim() ?? '';
    return list === '' ? [] : list.split(',').map((item) => item.trim());
  }
  return [];
}
