import { Type } from '@sinclair/typebox';
import { Enum } from '../../config/schema-builders.js';
import { httpMethods, redisUrlPattern } from '../../config/schema-constants.js';
import { durationPattern } from '../../config/duration.js';

/** Route `idempotency`: the route opts in. */
export const routeIdempotencySchema = Type.Object(
  {
    methods: Type.Array(Enum(httpMethods, { description: 'An HTTP method.' }), {
      minItems: 1,
      uniqueItems: true,
      default: ['POST', 'PATCH'],
      description: 'Methods the key applies to; requests with other methods ignore the header.',
    }),
    required: Type.Boolean({
      default: false,
      description: 'Refuse requests of these methods without the header (400 `idempotency_key_required`).',
    }),
  },
  {
    description:
      'Idempotent retries: a request with an `Idempotency-Key` header is run once per account, key and route; a repeat with the same request gets the stored answer (header `Idempotent-Replayed: true`), with another body 422 `idempotency_key_mismatch`, while the first still runs 409 `idempotency_request_in_flight`. Settings in the top-level `idempotency` section.',
    additionalProperties: false,
  },
);

/** The top-level `idempotency` section: where the records live. */
export const idempotencySchema = Type.Object(
  {
    ttl: Type.String({
      pattern: durationPattern,
      default: '24h',
      description: 'How long a key is remembered after its first use (Codat keeps them `90m`).',
    }),
    lockTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 3600000,
      default: 60000,
      description: 'After this long, a request still marked in progress (its gateway died) no longer blocks its key.',
    }),
    maxStoredBodyBytes: Type.Integer({
      minimum: 0,
      maximum: 16777216,
      default: 65536,
      description: 'Largest response body stored for replay; a larger answer is stored as its status and headers only.',
    }),
    sqlitePath: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'SQLite file of the records. Default: `auth.store.sqlitePath`.',
      }),
    ),
    redis: Type.Optional(
      Type.Object(
        {
          url: Type.String({ pattern: redisUrlPattern, description: 'Redis URL; use `${REDIS_URL}` for secrets.' }),
          keyPrefix: Type.String({ maxLength: 100, default: 'portier:idem:', description: 'Prefix of every record key.' }),
          timeoutMs: Type.Integer({
            minimum: 1,
            maximum: 60000,
            default: 1000,
            description: 'A Redis call slower than this fails the request with 503 `service_unavailable` rather than risk running it twice.',
          }),
        },
        { description: 'Keep the records in Redis instead, shared by every replica.', additionalProperties: false },
      ),
    ),
  },
  {
    description: 'Where and how long idempotency records are kept (routes opt in with `idempotency`).',
    additionalProperties: false,
    default: {},
  },
);
