import { Type } from '@sinclair/typebox';
import { pathPattern } from '../config/schema-constants.js';

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
    healthPath: Type.String({
      pattern: pathPattern,
      default: '/healthz',
      description: 'Path of the built-in health check (route id `health`), answered by the gateway itself.',
    }),
    trustForwardedHeaders: Type.Boolean({
      default: false,
      description:
        'Keep incoming X-Forwarded-For/-Proto/-Host and append to them (only behind a trusted proxy); otherwise they are replaced.',
    }),
  },
  { description: 'The HTTP listener.', additionalProperties: false, default: {} },
);
