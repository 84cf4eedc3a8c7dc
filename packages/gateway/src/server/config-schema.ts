import { Type } from '@sinclair/typebox';
import { pathPattern } from '../config/schema-constants.js';
import { Enum } from '../config/schema-builders.js';

/** The top-level `server` section: the HTTP listener. */
export const serverSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address to listen on.' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'TCP port; 0 picks a free one.' }),
    maxBodyBytes: Type.Integer({
      minimum: 0,
      maximum: 1073741824,
      default: 1048576,
      description: 'Largest request body accepted (413 `payload_too_large` above), unless a route sets its own.',
    }),
    maxHeaderBytes: Type.Integer({
      minimum: 1024,
      maximum: 1048576,
      default: 16384,
      description: 'Largest request line plus headers (431 `header_fields_too_large` above).',
    }),
    headersTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 600000,
      default: 10000,
      description: 'Time a client has to send its request headers (408 `request_timeout` after).',
    }),
    requestTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 3600000,
      default: 60000,
      description: 'Time a client has to send its whole request, body included (408 `request_timeout` after).',
    }),
    keepAliveTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 600000,
      default: 5000,
      description: 'How long an idle keep-alive connection is kept open.',
    }),
    shutdownGraceMs: Type.Integer({
      minimum: 0,
      maximum: 600000,
      default: 10000,
      description: 'On SIGTERM/SIGINT, how long in-flight requests may run before connections are closed.',
    }),
    shutdownDelayMs: Type.Integer({
      minimum: 0,
      maximum: 600000,
      default: 0,
      description:
        'On SIGTERM/SIGINT, how long the gateway keeps accepting and serving while `readyPath` answers 503, before it stops listening and drains: time for a load balancer to take it out of rotation (see docs/operations.md).',
    }),
    healthPath: Type.String({
      pattern: pathPattern,
      default: '/healthz',
      description: 'Path of the built-in liveness check (route id `health`): 200 while the process serves, whatever the stores.',
    }),
    readyPath: Type.String({
      pattern: pathPattern,
      default: '/readyz',
      description:
        'Path of the built-in readiness check (route id `ready`): 200 when every store the config uses answers within `readyTimeoutMs` and the gateway is not shutting down, else 503 `not_ready`.',
    }),
    readyTimeoutMs: Type.Integer({
      minimum: 10,
      maximum: 60000,
      default: 1000,
      description: 'How long the readiness check waits for each store to answer.',
    }),
    readyOptional: Type.Array(Enum(['accounts', 'rateLimits', 'idempotency', 'operations'], { description: 'A store, by its config section.' }), {
      default: [],
      uniqueItems: true,
      description:
        'Stores whose outage leaves the gateway ready: `rateLimits` when every limit survives it (`whenStoreDown: open` or `local`), so that a Redis outage does not take every replica out of rotation at once.',
    }),
    readyCacheMs: Type.Integer({
      minimum: 0,
      maximum: 60000,
      default: 1000,
      description: 'How long a readiness result is reused: probes within it cost no store round trip (shutting down is seen at once).',
    }),
    trustForwardedHeaders: Type.Boolean({
      default: false,
      description:
        'Keep incoming X-Forwarded-For/-Proto/-Host and append to them (only behind a trusted proxy); otherwise they are replaced.',
    }),
  },
  { description: 'The HTTP listener.', additionalProperties: false, default: {} },
);
