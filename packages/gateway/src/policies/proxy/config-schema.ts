import { Type } from '@sinclair/typebox';
import { Enum, MapOf } from '../../config/schema-builders.js';
import { idPattern } from '../../config/schema-constants.js';

/** An upstream under `upstreams`. */
export const upstreamSchema = Type.Object(
  {
    url: Type.String({
      pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$',
      description: 'Base URL (scheme, host, port and an optional path prefix). The request path is appended to it.',
    }),
    serviceName: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'Name shown as `service` in errors about this upstream. Default: the upstream\'s key.',
      }),
    ),
    connections: Type.Integer({
      minimum: 1,
      maximum: 10000,
      default: 128,
      description: 'Maximum keep-alive connections to this upstream.',
    }),
    connectTimeoutMs: Type.Integer({
      minimum: 1,
      maximum: 600000,
      default: 5000,
      description: 'Time allowed to open a connection before the request fails with 504 `gateway_timeout`.',
    }),
    responseTimeoutMs: Type.Integer({
      minimum: 1,
      maximum: 3600000,
      default: 30000,
      description: 'Time allowed for the upstream to send its response headers before 504 `gateway_timeout`.',
    }),
    bodyTimeoutMs: Type.Integer({
      minimum: 1,
      maximum: 3600000,
      default: 30000,
      description: 'Longest silence allowed while the upstream sends its body; past it the response is cut off.',
    }),
    errors: Enum(['passthrough', 'normalize'], {
      default: 'passthrough',
      description:
        'What to do with 4xx/5xx answers of this upstream: `passthrough` sends them untouched (plus the correlation header); `normalize` renders them in the deployment\'s envelope with the upstream\'s message as detail.',
    }),
    unavailableRetryAfterSeconds: Type.Integer({
      minimum: 1,
      maximum: 86400,
      default: 5,
      description: 'Retry-After sent with 503 `service_unavailable` when the upstream gave none.',
    }),
    circuitBreaker: Type.Object(
      {
        failureThreshold: Type.Integer({
          minimum: 1,
          maximum: 10000,
          default: 5,
          description: 'Consecutive failures that open the breaker.',
        }),
        openMs: Type.Integer({
          minimum: 100,
          maximum: 3600000,
          default: 30000,
          description: 'How long the breaker stays open before one trial request is let through.',
        }),
      },
      {
        description:
          'Stops sending traffic to an upstream that keeps failing (connection errors, timeouts, answers that are not HTTP, bodies cut short, 502/503/504) and answers 503 `upstream_circuit_open` instead, with Retry-After the seconds left open. Failures the caller caused never count.',
        additionalProperties: false,
        default: {},
      },
    ),
  },
  { description: 'A backend that routes forward to.', additionalProperties: false },
);

/** The top-level `upstreams` section. */
export const upstreamsSchema = MapOf(upstreamSchema, {
  description: 'Backends by key. Empty when the app Portier is embedded in answers every route (`app: true`).',
  default: {},
  propertyNames: { pattern: idPattern },
});
