import { Type } from '@sinclair/typebox';
import { MapOf } from '../config/schema-builders.js';
import { headerNamePattern } from '../config/schema-constants.js';

/** The top-level `tracing` section: OpenTelemetry spans exported over OTLP/HTTP. */
export const tracingSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description: 'Record spans and export them. Off, the gateway creates no span at all and forwards `traceparent` as the client sent it.',
    }),
    endpoint: Type.String({
      pattern: '^https?://[^\\s/?#]+(/[^\\s]*)?$',
      default: 'http://127.0.0.1:4318/v1/traces',
      description: 'OTLP/HTTP traces URL of the collector (the whole URL, `/v1/traces` included); spans are sent in the JSON encoding, in batches.',
    }),
    serviceName: Type.String({
      minLength: 1,
      maxLength: 200,
      default: 'portier',
      description: '`service.name` of the spans\' resource.',
    }),
    sampleRatio: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 1,
      description: 'Share of new traces recorded (0 to 1). A request with a `traceparent` follows its caller\'s sampling decision instead.',
    }),
    headers: MapOf(Type.String({ description: 'The header\'s value.' }), {
      propertyNames: { pattern: headerNamePattern },
      default: {},
      description: 'Headers sent with every export (a collector\'s API key). Use an environment reference for secrets: `${OTEL_API_KEY}`.',
    }),
  },
  {
    description: 'OpenTelemetry tracing (docs/tracing.md): a server span per request, child spans for the store, Redis and upstream calls and for async attempts, `traceparent` continued to the upstream.',
    additionalProperties: false,
    default: {},
  },
);
