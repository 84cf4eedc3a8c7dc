// The Portier config every bench scenario runs: open, keyed, limited (two windows, never reached) and
// validated routes in front of the bench upstream, keys in a SQLite store of the bench's own.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Validates every field of run.ts's 1 KB row body. */
const rowSchema = `{ type: object, required: [table_name, rows], properties: { table_name: { type: string, maxLength: 64 }, rows: { type: array, maxItems: 1000, items: { type: object, required: [Name], properties: { Name: { type: string, maxLength: 200 }, Email: { type: string, format: email }, Age: { type: integer, minimum: 0 }, Tags: { type: array, items: { type: string } }, Active: { type: boolean } } } } } }`;

/** Limits high enough never to refuse: the scenarios measure the cost of counting, not of refusing. */
const benchLimits = `[{ name: minute, limit: 1000000000, per: minute, by: [key] }, { name: day, limit: 1000000000, per: day, algorithm: fixed, by: [key] }]`;

/** `usage: false` turns usage metering off (bench/instructions.ts's `portier-nousage` peer: what metering costs). */
export function writePortierConfig(upstreamUrl: string, dir: string, redisUrl?: string, options: { readonly usage?: boolean } = {}): string {
  const metered = options.usage ?? true;
  const file = join(dir, `${redisUrl === undefined ? 'portier' : 'portier-redis'}${metered ? '' : '-nousage'}.yaml`);
  const redis = redisUrl === undefined ? '' : `rateLimits: { redis: { url: "${redisUrl}", keyPrefix: "portier:bench:${process.pid}:", timeoutMs: 1000 } }\n`;
  writeFileSync(
    file,
    `server: { port: 0 }
${redis}${metered ? '' : 'usage: { enabled: false }\n'}auth:
  instance: bench
  maxKeysPerAccount: 100
  store: { sqlitePath: "${join(dir, 'portier.db')}" }
plans:
  standard: {}
upstreams:
  app: { url: "${upstreamUrl}", connections: 128 }
routes:
  - { id: rows, path: "/v1/bases/:base/rows", upstream: app }
  - { id: keyed-rows, path: "/v1/keyed/:base/rows", upstream: app, auth: { scopes: ["rows:read"], bindTo: base } }
  - { id: limited-rows, path: "/v1/limited/:base/rows", upstream: app, auth: { scopes: ["rows:read"], bindTo: base }, limits: ${benchLimits} }
  - { id: append-rows, path: "/v1/append/:base/rows", methods: [POST], upstream: app }
  - { id: validated-rows, path: "/v1/validated/:base/rows", methods: [POST], upstream: app, validation: { body: ${rowSchema} } }
`,
  );
  return file;
}
