import { envelopeNames } from '../envelopes/renderers.js';
import { durationPattern } from './duration.js';

/**
 * JSON Schema of portier.yaml. Every field has a description: docs/config.md is generated from them.
 * Defaults here are filled in at load time, so the rest of the code never guesses a default.
 */

const httpMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const idPattern = '^[a-z0-9][a-z0-9_.-]{0,63}$';
const languagePattern = '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$';
const scopePattern = '^[a-z][a-z0-9_.-]*(:[a-z][a-z0-9_.-]*)*$';

/** A PostgreSQL connection section (accounts and keys, the operation queue): same fields everywhere. */
function postgresSection(description: string, unavailableCode: string) {
  return {
    type: 'object',
    description,
    additionalProperties: false,
    required: ['url'],
    properties: {
      url: { type: 'string', minLength: 1, description: 'Connection URL, such as `postgres://portier@db:5432/portier`; use `${DATABASE_URL}` for secrets.' },
      schema: { type: 'string', pattern: '^[a-z_][a-z0-9_]{0,62}$', default: 'portier', description: 'PostgreSQL schema that holds the tables (created if missing).' },
      poolSize: { type: 'integer', minimum: 1, maximum: 1000, default: 10, description: 'Most connections this gateway opens.' },
      connectTimeoutMs: { type: 'integer', minimum: 1, maximum: 60000, default: 2000, description: `Time allowed to get a connection; past it a request needing the store gets 503 \`${unavailableCode}\`.` },
      queryTimeoutMs: { type: 'integer', minimum: 1, maximum: 600000, default: 5000, description: `Time allowed for one query before 503 \`${unavailableCode}\`.` },
    },
  } as const;
}

const limitSchema = {
  type: 'object',
  description: 'One rate limit or quota: at most `limit` request units per window, per subject.',
  additionalProperties: false,
  required: ['name', 'limit', 'per'],
  properties: {
    name: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,31}$', description: 'Name shown in RateLimit headers and 429 details (`minute`, `day`).' },
    limit: { type: 'integer', minimum: 1, maximum: 1000000000, description: 'Request units allowed per window.' },
    per: {
      type: 'string',
      pattern: '^(second|minute|hour|day|month|[1-9][0-9]*(ms|s|m|h|d))$',
      description: 'Window: `second`, `minute`, `hour`, `day`, `month`, or a duration such as `90s`, `15m`, `1d`.',
    },
    algorithm: {
      enum: ['sliding', 'fixed'],
      default: 'sliding',
      description:
        '`sliding`: a window that moves with time (weighted over the previous window); `fixed`: resets at calendar boundaries (hour, day, month in `timeZone`) or every duration.',
    },
    timeZone: {
      type: 'string',
      minLength: 1,
      default: 'UTC',
      description: 'IANA time zone that calendar-aligned fixed windows follow (for example `Europe/Paris`).',
    },
    whenStoreDown: {
      enum: ['open', 'closed', 'local'],
      default: 'local',
      description:
        'With `rateLimits.redis`, what this limit does when Redis is unreachable or slower than `timeoutMs`: `open` admits, `closed` answers 503 `rate_limiter_unavailable`, `local` counts in the process with the limit divided by `replicas`.',
    },
    by: {
      type: 'array',
      items: {
        type: 'string',
        pattern: '^(key|account|ip|route|param:[A-Za-z_][A-Za-z0-9_]*)$',
        description: '`key`, `account`, `ip`, `route` or `param:<route parameter>`.',
      },
      minItems: 1,
      uniqueItems: true,
      default: ['account'],
      description: 'What the limit counts by; several values count each combination separately (`[key, param:base]`).',
    },
  },
} as const;

const limitList = {
  type: 'array',
  items: limitSchema,
  description: 'Limits that apply together: a request is admitted only if it fits all of them, and then counts against all.',
} as const;

const maintenanceSwitch = {
  type: 'object',
  description: 'A maintenance switch: while enabled, matching requests get 503 `maintenance`.',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean', default: false, description: 'Whether maintenance mode is on.' },
    message: {
      type: 'string',
      minLength: 1,
      maxLength: 500,
      default: 'The API is down for scheduled maintenance.',
      description: 'Operator message shown as the error detail.',
    },
    retryAfterSeconds: {
      type: 'integer',
      minimum: 1,
      maximum: 604800,
      default: 300,
      description: 'Value of the Retry-After header sent with the 503.',
    },
  },
} as const;

const upstreamSchema = {
  type: 'object',
  description: 'A backend that routes forward to.',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: {
      type: 'string',
      pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$',
      description: 'Base URL (scheme, host, port and an optional path prefix). The request path is appended to it.',
    },
    serviceName: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      description: 'Name shown as `service` in errors about this upstream. Default: the upstream\'s key.',
    },
    connections: {
      type: 'integer',
      minimum: 1,
      maximum: 10000,
      default: 128,
      description: 'Maximum keep-alive connections to this upstream.',
    },
    connectTimeoutMs: {
      type: 'integer',
      minimum: 1,
      maximum: 600000,
      default: 5000,
      description: 'Time allowed to open a connection before the request fails with 504 `gateway_timeout`.',
    },
    responseTimeoutMs: {
      type: 'integer',
      minimum: 1,
      maximum: 3600000,
      default: 30000,
      description: 'Time allowed for the upstream to send its response headers before 504 `gateway_timeout`.',
    },
    bodyTimeoutMs: {
      type: 'integer',
      minimum: 1,
      maximum: 3600000,
      default: 30000,
      description: 'Longest silence allowed while the upstream sends its body; past it the response is cut off.',
    },
    errors: {
      enum: ['passthrough', 'normalize'],
      default: 'passthrough',
      description:
        'What to do with 4xx/5xx answers of this upstream: `passthrough` sends them untouched (plus the correlation header); `normalize` renders them in the deployment\'s envelope with the upstream\'s message as detail.',
    },
    unavailableRetryAfterSeconds: {
      type: 'integer',
      minimum: 1,
      maximum: 86400,
      default: 5,
      description: 'Retry-After sent with 503 `service_unavailable` when the upstream gave none.',
    },
    circuitBreaker: {
      type: 'object',
      description:
        'Stops sending traffic to an upstream that keeps failing (connection errors, timeouts, answers that are not HTTP, bodies cut short, 502/503/504) and answers 503 `upstream_circuit_open` instead, with Retry-After the seconds left open. Failures the caller caused never count.',
      additionalProperties: false,
      default: {},
      properties: {
        failureThreshold: {
          type: 'integer',
          minimum: 1,
          maximum: 10000,
          default: 5,
          description: 'Consecutive failures that open the breaker.',
        },
        openMs: {
          type: 'integer',
          minimum: 100,
          maximum: 3600000,
          default: 30000,
          description: 'How long the breaker stays open before one trial request is let through.',
        },
      },
    },
  },
} as const;

const routeSchema = {
  type: 'object',
  description: 'A public path of the API and the upstream that serves it.',
  additionalProperties: false,
  required: ['id', 'path', 'upstream'],
  properties: {
    id: {
      type: 'string',
      pattern: idPattern,
      description: 'Stable identifier: used in logs, metrics and maintenance allow-lists.',
    },
    path: {
      type: 'string',
      pattern: '^/[^\\s?#]*$',
      description: 'Path pattern; `:name` is a parameter (`/v1/bases/:base/rows`), `*` at the end matches the rest.',
    },
    methods: {
      type: 'array',
      items: { enum: httpMethods, description: 'An HTTP method.' },
      minItems: 1,
      uniqueItems: true,
      default: ['GET'],
      description: 'HTTP methods this route accepts; others get 405 `method_not_allowed` with an Allow header.',
    },
    upstream: { type: 'string', description: 'Key of the upstream (under `upstreams`) that serves this route.' },
    maxBodyBytes: {
      type: 'integer',
      minimum: 0,
      maximum: 1073741824,
      description: 'Largest request body accepted on this route (413 above). Default: `server.maxBodyBytes`.',
    },
    envelope: {
      enum: envelopeNames,
      description: 'Error envelope for this route. Default: `errors.envelope`.',
    },
    maintenance: maintenanceSwitch,
    limits: {
      ...limitList,
      description: 'Limits of this route; a route limit replaces a plan limit of the same name.',
    },
    validation: {
      type: 'object',
      description:
        'Checks the request before it is forwarded: every problem is reported at once (400 `validation_failed`). Rules marked `x-fatal: false` are warnings: the request goes through and the caller is told.',
      additionalProperties: false,
      properties: {
        body: {
          type: 'object',
          description:
            'JSON Schema (draft-07) of the JSON body. Extra keywords: `maxSerializedBytes`, format `timestamp`, and on any subschema `x-rule` (rule name), `x-message` (message shown verbatim), `x-fatal: false` (a warning), `x-drop: true` (with `x-fatal: false`: the offending item is removed from the forwarded body).',
        },
        openapi: {
          type: 'string',
          minLength: 1,
          description:
            'OpenAPI 3.x file (YAML or JSON, relative to this config file) to take the body, query and path schemas from: the operation with this route\'s method and path. Schemas given here inline win.',
        },
        query: { type: 'object', description: 'JSON Schema of the query parameters, as an object (values are converted to the schema\'s types).' },
        params: { type: 'object', description: 'JSON Schema of the path parameters, as an object (values are converted to the schema\'s types).' },
        warningsInBody: {
          type: 'object',
          description:
            'Also merge warnings into a 2xx JSON answer (up to 1 MiB): appended to the array at `pointer`, created if missing. `as: messages` adds the messages (Braze `/errors`), `as: items` adds {pointer, message, rule}, `as: codat` adds {itemId, message, validatorName} (Codat `/validation/warnings`).',
          additionalProperties: false,
          required: ['pointer'],
          properties: {
            pointer: { type: 'string', pattern: '^(/[^/]+)+$', description: 'JSON pointer of the array, such as `/errors`.' },
            as: { enum: ['messages', 'items', 'codat'], default: 'messages', description: 'Shape of each merged warning.' },
          },
        },
        maxDepth: {
          type: 'integer',
          minimum: 1,
          maximum: 1000,
          default: 64,
          description: 'Deepest nesting of arrays and objects accepted in the body (400 `invalid_json` deeper).',
        },
      },
    },
    idempotency: {
      type: 'object',
      description:
        'Idempotent retries: a request with an `Idempotency-Key` header is run once per account, key and route; a repeat with the same request gets the stored answer (header `Idempotent-Replayed: true`), with another body 422 `idempotency_key_mismatch`, while the first still runs 409 `idempotency_request_in_flight`. Settings in the top-level `idempotency` section.',
      additionalProperties: false,
      properties: {
        methods: {
          type: 'array',
          items: { enum: httpMethods, description: 'An HTTP method.' },
          minItems: 1,
          uniqueItems: true,
          default: ['POST', 'PATCH'],
          description: 'Methods the key applies to; requests with other methods ignore the header.',
        },
        required: {
          type: 'boolean',
          default: false,
          description: 'Refuse requests of these methods without the header (400 `idempotency_key_required`).',
        },
      },
    },
    async: {
      type: 'object',
      description:
        'Answer at once with 202 and an operation (`Location` header), queue the request durably and forward it in the background with the operation id as its `Idempotency-Key`, retrying upstream failures with capped exponential backoff until `deadline`. Needs the top-level `auth` section; settings in `operations`.',
      additionalProperties: false,
      properties: {
        deadline: {
          type: 'string',
          pattern: durationPattern,
          default: '1h',
          description: 'How long the operation may take, retries included, before it ends as `TimedOut` (`90s`, `15m`, `1h`).',
        },
        forwardCredentials: {
          type: 'boolean',
          default: false,
          description:
            'Queue the caller\'s credentials with the request (Authorization, the `auth.header` key header, Cookie) so that the worker forwards them. Off by default: the queue keeps them for `operations.retention` in plain text, so the upstream gets X-Portier-Account-Id / X-Portier-Key-Id instead. `config check` warns when it is on.',
        },
        body: {
          type: 'object',
          description:
            'Shape of the operation body (202 answer, polling, webhook). String values name fields in braces: a value that is only `{field}` keeps the field\'s type (`{field?}` leaves the member out while it is null, `{field ?? 202}` gives a JSON fallback), otherwise it is text. Fields: id, status, statusCode, requestedOnUtc, completedOnUtc, attempts, location, resultLocation, route, method, error, response, params.<name>; a dotted name reads a member (`{error.detail}`, `{response.status}`). Default: `operations.body`.',
        },
        webhook: {
          type: 'object',
          description:
            'POST the operation body to this URL when the operation ends, signed with `Portier-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`; retried with backoff on failure.',
          additionalProperties: false,
          required: ['url', 'secret'],
          properties: {
            url: { type: 'string', pattern: '^https?://', description: 'Where to send the notification.' },
            secret: { type: 'string', minLength: 16, description: 'HMAC key (at least 16 characters). Use an environment reference.' },
            maxAttempts: { type: 'integer', minimum: 1, maximum: 50, default: 8, description: 'Deliveries tried before giving up.' },
          },
        },
      },
    },
    cost: {
      type: 'integer',
      minimum: 1,
      maximum: 1000000,
      default: 1,
      description: 'Request units one request on this route uses from every limit.',
    },
    auth: {
      type: 'object',
      description: 'Who may call this route. Needs the top-level `auth` section. Without it the route is public.',
      additionalProperties: false,
      properties: {
        required: {
          type: 'boolean',
          default: true,
          description: 'Whether an API key (or access token) is required; 401 without one.',
        },
        scopes: {
          type: 'array',
          items: { type: 'string', pattern: scopePattern, description: 'A scope such as `rows:read`.' },
          uniqueItems: true,
          default: [],
          description: 'Scopes the key must all have (403 `access_denied` naming the first one missing).',
        },
        bindTo: {
          type: 'string',
          pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
          description:
            'Route parameter that names the resource; a key with resource bindings may only use values it is bound to (403 `key_not_bound`).',
        },
        feature: {
          type: 'string',
          pattern: idPattern,
          description: 'Plan feature the account needs for this route (402 `feature_not_in_plan` without it).',
        },
        featureWhen: {
          type: 'object',
          description:
            'Require `feature` only when the JSON body matches this condition (for example `syncSchedule` below 24 hours). The body is then read before forwarding.',
          additionalProperties: false,
          required: ['pointer'],
          minProperties: 2,
          properties: {
            pointer: { type: 'string', pattern: '^(/[^/]*)*$', description: 'JSON pointer of the value, such as `/syncSchedule`; a `*` segment stands for every item of an array (or member of an object), and the condition matches when any of them does (`/settings/*/syncSchedule`).' },
            lessThan: { type: 'number', description: 'Matches when the value is a number below this.' },
            greaterThan: { type: 'number', description: 'Matches when the value is a number above this.' },
            equals: { description: 'Matches when the value equals this (any JSON value).' },
          },
        },
        entity: {
          type: 'object',
          description:
            'This route creates or deletes an entity counted against the plan\'s `entities` limit: a create takes a slot before forwarding (402 `entity_limit_reached` when none is free) and gives it back if the upstream fails; a delete frees one once the upstream answers 2xx.',
          additionalProperties: false,
          required: ['name', 'action'],
          properties: {
            name: { type: 'string', pattern: idPattern, description: 'Entity name, as in the plans\' `entities`.' },
            action: { enum: ['create', 'delete'], description: 'What a successful request does to the count.' },
          },
        },
      },
    },
  },
} as const;

const planSchema = {
  type: 'object',
  description: 'A plan that accounts are on.',
  additionalProperties: false,
  properties: {
    features: {
      type: 'array',
      items: { type: 'string', pattern: idPattern, description: 'A feature name routes can require.' },
      uniqueItems: true,
      default: [],
      description: 'Features this plan includes.',
    },
    trialDays: {
      type: 'integer',
      minimum: 1,
      maximum: 36500,
      description: 'Length of the trial: accounts on this plan get 402 `trial_expired` once it is over. Default: no trial.',
    },
    routes: {
      type: 'array',
      items: { type: 'string', description: 'A route id.' },
      uniqueItems: true,
      description: 'Route ids this plan may call (403 `plan_excludes_route` otherwise). Default: every route.',
    },
    limits: {
      ...limitList,
      description: 'Rate limits and quotas of accounts on this plan, on every keyed route (see route `limits`).',
    },
    entities: {
      type: 'object',
      description: 'Most entities of each kind an account may have (for example `companies: 50`); see route `entity`.',
      propertyNames: { pattern: idPattern },
      additionalProperties: { type: 'integer', minimum: 0, description: 'The limit.' },
      default: {},
    },
  },
} as const;

const authSchema = {
  type: 'object',
  description: 'API keys: how they look, how callers send them, where they are stored.',
  additionalProperties: false,
  required: ['instance'],
  properties: {
    instance: {
      type: 'string',
      pattern: '^[a-z][a-z0-9]{0,15}$',
      description: 'Name of this deployment (for example `eu1`); part of every key it issues.',
    },
    environment: {
      enum: ['live', 'test'],
      default: 'live',
      description: 'Key environment, part of every key it issues; a key of the other environment is refused.',
    },
    instances: {
      type: 'object',
      description:
        'Other deployments by instance name and base URL: a key of one of them gets 401 `wrong_instance` naming the URL to use.',
      propertyNames: { pattern: '^[a-z][a-z0-9]{0,15}$' },
      additionalProperties: { type: 'string', pattern: '^https?://', description: 'Base URL of that instance.' },
      default: {},
    },
    schemes: {
      type: 'array',
      items: { enum: ['bearer', 'token', 'basic', 'header'], description: 'A way of sending the key.' },
      minItems: 1,
      uniqueItems: true,
      default: ['bearer'],
      description:
        '`bearer`: `Authorization: Bearer <key>`; `token`: `Authorization: Token <key>`; `basic`: `Authorization: Basic <base64 of key>`; `header`: the key alone in `header`.',
    },
    header: {
      type: 'string',
      pattern: '^[A-Za-z0-9-]+$',
      default: 'X-API-Key',
      description: 'Header read by the `header` scheme.',
    },
    forwardCredentials: {
      type: 'boolean',
      default: false,
      description: 'Forward the caller\'s key to the upstream. By default it is removed and X-Portier-Account-Id / X-Portier-Key-Id are sent instead. Async routes never queue it unless they say so (`async.forwardCredentials`).',
    },
    maxKeysPerAccount: {
      type: 'integer',
      minimum: 1,
      maximum: 10000,
      default: 10,
      description: 'Active keys an account may have; creating one more is 409 `key_limit_reached`.',
    },
    rotationGraceSeconds: {
      type: 'integer',
      minimum: 0,
      maximum: 31536000,
      default: 86400,
      description: 'After a rotation, how long the old key keeps working before it is 403 `key_obsolete`.',
    },
    accessTokens: {
      type: 'object',
      description:
        'Short-lived access tokens: a GET on `path` with an API key returns a signed token (HS256 JWT) bound to the key, accepted wherever the key is, until it expires.',
      additionalProperties: false,
      required: ['path', 'secret'],
      properties: {
        path: { type: 'string', pattern: '^/[^\\s?#]*$', description: 'Path of the exchange route (route id `access-token`).' },
        secret: {
          type: 'string',
          minLength: 32,
          description: 'HMAC secret that signs tokens (at least 32 characters): use `${PORTIER_TOKEN_SECRET}`. Changing it voids every token.',
        },
        ttlSeconds: { type: 'integer', minimum: 60, maximum: 31536000, default: 259200, description: 'Token lifetime (default 3 days).' },
        response: {
          type: 'object',
          description:
            'JSON body of the exchange answer, as a template: strings (nested too) may name {token}, {expiresAt}, {keyId}, {keyName}, {accountId}, {binding} (the key\'s first resource binding); other values are sent as they are.',
          default: { access_token: '{token}', expires_at: '{expiresAt}' },
        },
      },
    },
    keysApi: {
      type: 'object',
      description:
        'Self-service keys: key holders list (GET `path`), create (POST `path`, body `{"name"}`) and revoke (DELETE `path/<key id>`) the keys of their own account. A caller sees and revokes only keys that reach no further than itself (scopes among its own; when it is bound, bindings among its own), any other is 404 `key_not_found`. A new key gets the calling key\'s scopes and bindings and expires when the caller stops working (its expiry, or the end of its rotation grace); `maxKeysPerAccount` applies (409 `key_limit_reached`).',
      additionalProperties: false,
      required: ['path'],
      properties: {
        path: { type: 'string', pattern: '^/[^\\s?#:*]*$', description: 'Path of the keys collection (route ids `api-keys` and `api-key`).' },
        scopes: { type: 'array', items: { type: 'string', pattern: scopePattern, description: 'A scope such as `keys:manage`.' }, uniqueItems: true, default: [], description: 'Scopes the calling key must have to manage keys.' },
        key: {
          type: 'object',
          description:
            'JSON body of one key (the create answer and each listed key), as a template: id, name, display, secret (the whole key, only when it is created), scopes, bindings, status, createdAt, lastUsedAt, expiresAt. `{secret?}` leaves the member out when there is none.',
          default: { id: '{id}', name: '{name}', key: '{secret?}', display: '{display}', scopes: '{scopes}', bindings: '{bindings}', status: '{status}', createdAt: '{createdAt}', lastUsedAt: '{lastUsedAt}', expiresAt: '{expiresAt}' },
        },
        list: { type: 'object', description: 'JSON body of the list answer; `{keys}` is the array of keys.', default: { data: '{keys}' } },
      },
    },
    store: {
      type: 'object',
      description: 'Where accounts and keys live.',
      additionalProperties: false,
      default: {},
      properties: {
        sqlitePath: {
          type: 'string',
          minLength: 1,
          default: 'portier.db',
          description: 'SQLite database file (created if missing; relative to the working directory).',
        },
        postgres: postgresSection(
          'Keep accounts, keys and entity counts in PostgreSQL instead, shared by gateways on several hosts (the operation queue has its own `operations.postgres`). Schema migrated at start; a change made through one gateway reaches the others\' key caches within half a second.',
          'account_store_unavailable',
        ),
      },
    },
  },
} as const;

export const configSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'portier.yaml',
  description: 'Configuration of one Portier deployment.',
  type: 'object',
  additionalProperties: false,
  required: ['upstreams', 'routes'],
  properties: {
    server: {
      type: 'object',
      description: 'The HTTP listener.',
      additionalProperties: false,
      default: {},
      properties: {
        host: { type: 'string', minLength: 1, default: '127.0.0.1', description: 'Address to listen on.' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8080, description: 'TCP port; 0 picks a free one.' },
        maxBodyBytes: {
          type: 'integer',
          minimum: 0,
          maximum: 1073741824,
          default: 1048576,
          description: 'Largest request body accepted (413 `payload_too_large` above), unless a route sets its own.',
        },
        maxHeaderBytes: {
          type: 'integer',
          minimum: 1024,
          maximum: 1048576,
          default: 16384,
          description: 'Largest request line plus headers (431 `header_fields_too_large` above).',
        },
        headersTimeoutMs: {
          type: 'integer',
          minimum: 100,
          maximum: 600000,
          default: 10000,
          description: 'Time a client has to send its request headers (408 `request_timeout` after).',
        },
        requestTimeoutMs: {
          type: 'integer',
          minimum: 100,
          maximum: 3600000,
          default: 60000,
          description: 'Time a client has to send its whole request, body included (408 `request_timeout` after).',
        },
        keepAliveTimeoutMs: {
          type: 'integer',
          minimum: 100,
          maximum: 600000,
          default: 5000,
          description: 'How long an idle keep-alive connection is kept open.',
        },
        shutdownGraceMs: {
          type: 'integer',
          minimum: 0,
          maximum: 600000,
          default: 10000,
          description: 'On SIGTERM/SIGINT, how long in-flight requests may run before connections are closed.',
        },
        healthPath: {
          type: 'string',
          pattern: '^/[^\\s?#]*$',
          default: '/healthz',
          description: 'Path of the built-in health check (route id `health`), answered by the gateway itself.',
        },
        trustForwardedHeaders: {
          type: 'boolean',
          default: false,
          description:
            'Keep incoming X-Forwarded-For/-Proto/-Host and append to them (only behind a trusted proxy); otherwise they are replaced.',
        },
      },
    },
    errors: {
      type: 'object',
      description: 'How errors are rendered.',
      additionalProperties: false,
      default: {},
      properties: {
        envelope: {
          enum: envelopeNames,
          default: 'problem',
          description:
            'Error envelope: `problem` is RFC 9457 application/problem+json; `codat` is Codat\'s {statusCode, service, error, correlationId, validation, canBeRetried, detailedErrorCode}; `braze` is Braze\'s {message, errors}; `seatable` is SeaTable\'s {detail} (401) or {error_msg}. The correlation ID travels in the correlation header with every envelope.',
        },
        typeBaseUrl: {
          type: 'string',
          minLength: 1,
          default: '/docs/errors',
          description: 'Base of the problem `type` URI; the error code is appended as a fragment (`/docs/errors#not_found`).',
        },
        service: {
          type: 'string',
          minLength: 1,
          maxLength: 100,
          default: 'portier',
          description: 'Name shown as `service` in errors the gateway itself produces.',
        },
        language: {
          type: 'string',
          pattern: languagePattern,
          default: 'en',
          description: 'Language of errors when the caller asks for none it is offered (and of the seed-shaped envelopes, see `negotiate`).',
        },
        languages: {
          type: 'array',
          items: { type: 'string', pattern: languagePattern, description: 'A language tag.' },
          minItems: 1,
          uniqueItems: true,
          default: ['en', 'fr', 'de', 'ru'],
          description: 'Languages offered to callers through `Accept-Language`. Portier ships `en`, `fr`, `de` and `ru`; another language needs its texts under `texts`.',
        },
        negotiate: {
          enum: ['problem', 'all', 'none'],
          default: 'problem',
          description:
            'Which envelopes follow `Accept-Language`: `problem` (seed-shaped envelopes stay in `language`, as the real APIs answer), `all`, or `none`.',
        },
        texts: {
          type: 'object',
          description:
            'Operator texts by language and code, overriding shipped ones or adding a language: `{fr: {rate_limited: {title, detail, meaning, troubleshooting}}}`. A detail may use the English template\'s `{parameters}` (all or some, no others).',
          propertyNames: { pattern: languagePattern },
          additionalProperties: {
            type: 'object',
            description: 'Texts of one language, by error code.',
            additionalProperties: {
              type: 'object',
              description: 'Any of the texts of one code.',
              additionalProperties: false,
              properties: {
                title: { type: 'string', minLength: 1, description: 'Short summary.' },
                detail: { type: 'string', minLength: 1, description: 'Detail template.' },
                meaning: { type: 'string', minLength: 1, description: 'What the error means.' },
                troubleshooting: { type: 'array', items: { type: 'string', minLength: 1, description: 'One step.' }, minItems: 1, description: 'Steps, in order.' },
                items: {
                  type: 'array',
                  description: 'Error items shown when the error has none of its own (Codat\'s 402 `validation.errors`): `pointer` is the envelope\'s item id, `rule` its validator name.',
                  items: {
                    type: 'object',
                    description: 'One item.',
                    additionalProperties: false,
                    required: ['message'],
                    properties: {
                      pointer: { type: 'string', default: '', description: 'Item the finding is about (Codat `itemId`).' },
                      message: { type: 'string', minLength: 1, description: 'The message.' },
                      rule: { type: 'string', default: '', description: 'Rule name (Codat `validatorName`).' },
                    },
                  },
                },
              },
            },
          },
          default: {},
        },
        referencePath: {
          type: 'string',
          pattern: '^/[^\\s?#:*]*[^/\\s?#:*]$',
          default: '/docs/errors',
          description:
            'Where the gateway serves the HTML error reference: `<path>` in the caller\'s language (Accept-Language), `<path>/<language>` in each offered one, with an anchor per code that the problem `type` points to.',
        },
        serveReference: { type: 'boolean', default: true, description: 'Whether the gateway serves the HTML error reference at `referencePath`.' },
      },
    },
    cors: {
      type: 'object',
      description:
        'Cross-origin calls from browsers: preflights (OPTIONS with Access-Control-Request-Method) on any route path are answered 204, and answers to allowed origins carry Access-Control-Allow-Origin and expose the correlation, rate-limit and retry headers to scripts. Without this section, no CORS headers are sent.',
      additionalProperties: false,
      required: ['origins'],
      properties: {
        origins: {
          type: 'array',
          items: { type: 'string', pattern: '^(\\*|https?://[^/\\s]+)$', description: 'An origin (`https://app.example.com`) or `*`.' },
          minItems: 1,
          uniqueItems: true,
          description: 'Origins allowed to call the API from a browser; `*` allows any (not with `credentials`).',
        },
        allowHeaders: {
          type: 'array',
          items: { type: 'string', pattern: '^[A-Za-z0-9-]+$', description: 'A request header name.' },
          default: ['authorization', 'content-type', 'idempotency-key', 'accept-language', 'x-correlation-id', 'traceparent', 'x-retry-count'],
          description: 'Request headers a browser may send (Access-Control-Allow-Headers).',
        },
        exposeHeaders: {
          type: 'array',
          items: { type: 'string', pattern: '^[A-Za-z0-9-]+$', description: 'A response header name.' },
          default: ['ratelimit', 'ratelimit-policy', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-rate-limit-limit', 'x-rate-limit-remaining', 'x-rate-limit-reset', 'retry-after', 'location', 'content-language', 'idempotent-replayed', 'x-portier-warnings'],
          description: 'Response headers scripts may read (Access-Control-Expose-Headers); the correlation header is always added.',
        },
        maxAgeSeconds: { type: 'integer', minimum: 0, maximum: 86400, default: 600, description: 'How long browsers may cache a preflight answer.' },
        credentials: { type: 'boolean', default: false, description: 'Allow cookies and HTTP authentication from the browser (Access-Control-Allow-Credentials).' },
      },
    },
    correlation: {
      type: 'object',
      description: 'Correlation IDs, sent on every response and forwarded upstream.',
      additionalProperties: false,
      default: {},
      properties: {
        header: {
          type: 'string',
          pattern: '^[A-Za-z0-9-]+$',
          default: 'X-Correlation-ID',
          description: 'Header that carries the correlation ID in both directions.',
        },
      },
    },
    log: {
      type: 'object',
      description: 'The JSON access and error log on stdout.',
      additionalProperties: false,
      default: {},
      properties: {
        level: {
          enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
          default: 'info',
          description: 'Lowest level written; the access log is `info`.',
        },
      },
    },
    maintenance: {
      ...maintenanceSwitch,
      description: 'Global maintenance switch: every route except those in `allowRoutes` answers 503 `maintenance`.',
      default: {},
      properties: {
        ...maintenanceSwitch.properties,
        allowRoutes: {
          type: 'array',
          items: { type: 'string', description: 'A route id.' },
          uniqueItems: true,
          default: ['health'],
          description: 'Route ids that stay reachable during global maintenance.',
        },
      },
    },
    admin: {
      type: 'object',
      description: 'The admin API (accounts, keys, maintenance) on its own port. Off unless this section is present.',
      additionalProperties: false,
      required: ['token'],
      properties: {
        host: { type: 'string', minLength: 1, default: '127.0.0.1', description: 'Address the admin API listens on; keep it private.' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8081, description: 'TCP port of the admin API; 0 picks a free one.' },
        token: {
          type: 'string',
          minLength: 32,
          description: 'Bearer token the admin API requires (at least 32 characters). Use an environment reference: `${PORTIER_ADMIN_TOKEN}`.',
        },
      },
    },
    auth: authSchema,
    plans: {
      type: 'object',
      description: 'Plans by name; accounts reference one.',
      propertyNames: { pattern: idPattern },
      additionalProperties: planSchema,
      default: {},
    },
    rateLimits: {
      type: 'object',
      description: 'How rate limits are reported.',
      additionalProperties: false,
      default: {},
      properties: {
        redis: {
          type: 'object',
          description: 'Share counters between gateway replicas through Redis: exact across replicas, one round trip per request.',
          additionalProperties: false,
          required: ['url'],
          properties: {
            url: { type: 'string', pattern: '^rediss?://', description: 'Redis URL, such as `redis://127.0.0.1:6379/0`; use `${REDIS_URL}` for secrets.' },
            timeoutMs: {
              type: 'integer',
              minimum: 1,
              maximum: 60000,
              default: 50,
              description: 'A decision slower than this counts as Redis being down for that request (see the limits\' `whenStoreDown`).',
            },
            keyPrefix: { type: 'string', maxLength: 100, default: 'portier:rl:', description: 'Prefix of every counter key.' },
            cluster: {
              type: 'boolean',
              default: false,
              description:
                'Redis Cluster: `url` is one seed node. Each event-loop turn sends one script call per slot; a decision whose limits count different subjects (a key and a base) is decided slot by slot and given back if any slot refuses: limits are never exceeded, and a concurrent request may rarely be refused while a refused one is given back.',
            },
            replicas: {
              type: 'integer',
              minimum: 1,
              maximum: 10000,
              default: 1,
              description: 'How many gateways share the limits: `local` fallback divides each limit by this.',
            },
            retryAfterSeconds: {
              type: 'integer',
              minimum: 1,
              maximum: 3600,
              default: 5,
              description: 'Retry-After sent with 503 `rate_limiter_unavailable`.',
            },
          },
        },
        usagePath: {
          type: 'string',
          pattern: '^/[^\\s?#]*$',
          description:
            'Optional route (id `rate-limit-usage`) where a caller reads, with its own key, how much of its plan\'s limits it has used; `?base=b1` names a route parameter for limits counted by one.',
        },
        sqlitePath: {
          type: 'string',
          minLength: 1,
          description:
            'SQLite file where in-process counters of windows of an hour or more are saved every 5 seconds and at shutdown, so a restart keeps them. Default: `auth.store.sqlitePath` when there is one; otherwise they are not saved.',
        },
        maxTrackedCounters: {
          type: 'integer',
          minimum: 1000,
          maximum: 100000000,
          default: 1000000,
          description:
            'Most counters kept in memory (one per limit and subject, about 220 bytes each); past it the oldest are dropped, which forgets their counts.',
        },
        headers: {
          type: 'array',
          items: { enum: ['ietf', 'x-ratelimit', 'x-rate-limit'], description: 'A header set.' },
          uniqueItems: true,
          default: ['ietf'],
          description:
            'Header sets on every response of a limited route: `ietf` (RateLimit-Policy and RateLimit), `x-ratelimit` (X-RateLimit-Limit/-Remaining/-Reset, reset in epoch seconds: Braze, SeaTable), `x-rate-limit` (X-Rate-Limit-*: Codat).',
        },
      },
    },
    idempotency: {
      type: 'object',
      description: 'Where and how long idempotency records are kept (routes opt in with `idempotency`).',
      additionalProperties: false,
      default: {},
      properties: {
        ttl: {
          type: 'string',
          pattern: durationPattern,
          default: '24h',
          description: 'How long a key is remembered after its first use (Codat keeps them `90m`).',
        },
        lockTimeoutMs: {
          type: 'integer',
          minimum: 100,
          maximum: 3600000,
          default: 60000,
          description: 'After this long, a request still marked in progress (its gateway died) no longer blocks its key.',
        },
        maxStoredBodyBytes: {
          type: 'integer',
          minimum: 0,
          maximum: 16777216,
          default: 65536,
          description: 'Largest response body stored for replay; a larger answer is stored as its status and headers only.',
        },
        sqlitePath: {
          type: 'string',
          minLength: 1,
          description: 'SQLite file of the records. Default: `auth.store.sqlitePath`.',
        },
        redis: {
          type: 'object',
          description: 'Keep the records in Redis instead, shared by every replica.',
          additionalProperties: false,
          required: ['url'],
          properties: {
            url: { type: 'string', pattern: '^rediss?://', description: 'Redis URL; use `${REDIS_URL}` for secrets.' },
            keyPrefix: { type: 'string', maxLength: 100, default: 'portier:idem:', description: 'Prefix of every record key.' },
            timeoutMs: {
              type: 'integer',
              minimum: 1,
              maximum: 60000,
              default: 1000,
              description: 'A Redis call slower than this fails the request with 503 `service_unavailable` rather than risk running it twice.',
            },
          },
        },
      },
    },
    operations: {
      type: 'object',
      description: 'Asynchronous operations of routes marked `async`: their durable queue, workers and polling routes.',
      additionalProperties: false,
      default: {},
      properties: {
        path: {
          type: 'string',
          pattern: '^/[^\\s?#*]*[^/\\s?#*]$',
          default: '/operations',
          description: 'Base path of the polling routes: `GET <path>` lists the caller\'s operations (newest first, `?limit=` and `?cursor=`), `GET <path>/<id>` shows one, `GET <path>/<id>/result` returns its upstream answer (409 `resource_not_ready` before). It may hold route parameters (`/companies/:companyId/push`): an operation is then found only under the parameter values it was created with.',
        },
        sqlitePath: { type: 'string', minLength: 1, description: 'SQLite file of the queue. Default: `auth.store.sqlitePath`.' },
        postgres: postgresSection(
          'Keep the queue in PostgreSQL instead, shared by gateways on several hosts: each claims due operations without ever taking one another holds (`FOR UPDATE SKIP LOCKED`), and an operation whose gateway died is taken over after its lease. Schema migrated at start.',
          'service_unavailable',
        ),
        concurrency: { type: 'integer', minimum: 1, maximum: 1000, default: 8, description: 'Operations forwarded at the same time by one gateway.' },
        leaseMs: {
          type: 'integer',
          minimum: 100,
          maximum: 3600000,
          default: 60000,
          description: 'How long a gateway holds an operation it is forwarding; if it dies, another (or itself after a restart) takes it over after this.',
        },
        maxPending: { type: 'integer', minimum: 1, maximum: 100000000, default: 100000, description: 'Most operations waiting at once; more are refused with 503 `operation_queue_full`.' },
        retry: {
          type: 'object',
          description: 'Backoff between attempts after an upstream failure (5xx, 408, 429, unreachable): capped exponential with full jitter; a Retry-After from the upstream is honoured.',
          additionalProperties: false,
          default: {},
          properties: {
            baseDelayMs: { type: 'integer', minimum: 1, maximum: 3600000, default: 1000, description: 'Delay ceiling before the second attempt; doubles for each attempt after.' },
            maxDelayMs: { type: 'integer', minimum: 1, maximum: 86400000, default: 60000, description: 'Largest delay between two attempts.' },
          },
        },
        retention: {
          type: 'string',
          pattern: durationPattern,
          default: '7d',
          description: 'How long finished operations stay readable before they are deleted.',
        },
        maxResultBytes: {
          type: 'integer',
          minimum: 0,
          maximum: 67108864,
          default: 1048576,
          description: 'Largest upstream answer body kept as an operation\'s result; a larger one is kept as its status only.',
        },
        pollAfterSeconds: {
          type: 'integer',
          minimum: 1,
          maximum: 3600,
          default: 1,
          description: 'Retry-After sent with a 202 and with 409 `resource_not_ready`: when to poll next.',
        },
        body: {
          type: 'object',
          description: 'Default shape of the operation body for every async route (see the routes\' `async.body`).',
        },
        list: {
          type: 'object',
          description: 'The list of the caller\'s operations, `GET <path>`: its paging and the shape of its answer.',
          additionalProperties: false,
          default: {},
          properties: {
            paging: {
              enum: ['cursor', 'page'],
              default: 'cursor',
              description: '`cursor`: `?limit=` (1 to 100, default 20) and an opaque `?cursor=` from the `next` link. `page`: `?page=` (from 1) and `?pageSize=` (1 to 100, default 20), with the total count, as paged APIs such as Codat\'s answer.',
            },
            body: {
              type: 'object',
              description: 'Shape of the answer, a template like `operations.body`. Fields: operations (the page, each shaped by its operation body), next and previous (the link to that page, or null), self (the list path), current (this page\'s link), page and total (`page` paging; null with cursors), pageSize, links (HAL links: `{links.self}`, `{links.current}`, `{links.next?}`, `{links.previous?}`, each `{"href": ...}`). Default: `{"data": "{operations}", "next": "{next}"}`.',
            },
          },
        },
      },
    },
    upstreams: {
      type: 'object',
      description: 'Backends by key.',
      minProperties: 1,
      propertyNames: { pattern: idPattern },
      additionalProperties: upstreamSchema,
    },
    routes: {
      type: 'array',
      description: 'The public routes, matched by path then method.',
      minItems: 1,
      items: routeSchema,
    },
  },
} as const;

export { httpMethods, idPattern, scopePattern };
