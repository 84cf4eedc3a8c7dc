import { Type } from '@sinclair/typebox';
import { headerNamePattern } from '../../config/schema-constants.js';

/** The top-level `cors` section. */
export const corsSchema = Type.Object(
  {
    origins: Type.Array(Type.String({ pattern: '^(\\*|https?://[^/\\s]+)$', description: 'An origin (`https://app.example.com`) or `*`.' }), {
      minItems: 1,
      uniqueItems: true,
      description: 'Origins allowed to call the API from a browser; `*` allows any (not with `credentials`).',
    }),
    allowHeaders: Type.Array(Type.String({ pattern: headerNamePattern, description: 'A request header name.' }), {
      default: ['authorization', 'content-type', 'idempotency-key', 'accept-language', 'x-correlation-id', 'traceparent', 'x-retry-count'],
      description: 'Request headers a browser may send (Access-Control-Allow-Headers).',
    }),
    exposeHeaders: Type.Array(Type.String({ pattern: headerNamePattern, description: 'A response header name.' }), {
      default: ['ratelimit', 'ratelimit-policy', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-rate-limit-limit', 'x-rate-limit-remaining', 'x-rate-limit-reset', 'retry-after', 'location', 'content-language', 'idempotent-replayed', 'x-portier-warnings'],
      description: 'Response headers scripts may read (Access-Control-Expose-Headers); the correlation header is always added.',
    }),
    maxAgeSeconds: Type.Integer({ minimum: 0, maximum: 86400, default: 600, description: 'How long browsers may cache a preflight answer.' }),
    credentials: Type.Boolean({ default: false, description: 'Allow cookies and HTTP authentication from the browser (Access-Control-Allow-Credentials).' }),
  },
  {
    description:
      'Cross-origin calls from browsers: preflights (OPTIONS with Access-Control-Request-Method) on any route path are answered 204, and answers to allowed origins carry Access-Control-Allow-Origin and expose the correlation, rate-limit and retry headers to scripts; every answer says `Vary: Origin`, so a shared cache keeps the copies apart. Without this section, no CORS headers are sent.',
    additionalProperties: false,
  },
);
