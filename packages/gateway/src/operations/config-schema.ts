import { Type } from '@sinclair/typebox';
import { durationPattern } from '../config/duration.js';
import { Enum, JsonObject } from '../config/schema-builders.js';
import { postgresSectionSchema } from '../postgres/config-schema.js';

/** Route `async`: the route answers 202 and forwards in the background. */
export const asyncRouteSchema = Type.Object(
  {
    deadline: Type.String({
      pattern: durationPattern,
      default: '1h',
      description: 'How long the operation may take, retries included, before it ends as `TimedOut` (`90s`, `15m`, `1h`).',
    }),
    forwardCredentials: Type.Boolean({
      default: false,
      description:
        'Queue the caller\'s credentials with the request (Authorization, the `auth.header` key header, Cookie) so that the worker forwards them. Off by default: the queue keeps them for `operations.retention` in plain text, so the upstream gets X-Portier-Account-Id / X-Portier-Key-Id instead. `config check` warns when it is on.',
    }),
    body: Type.Optional(
      JsonObject({
        description:
          'Shape of the operation body (202 answer, polling, webhook). String values name fields in braces: a value that is only `{field}` keeps the field\'s type (`{field?}` leaves the member out while it is null, `{field ?? 202}` gives a JSON fallback), otherwise it is text. Fields: id, status, statusCode, requestedOnUtc, completedOnUtc, attempts, location, resultLocation, route, method, error, response, params.<name>; a dotted name reads a member (`{error.detail}`, `{response.status}`). Default: `operations.body`.',
      }),
    ),
    webhook: Type.Optional(
      Type.Object(
        {
          url: Type.String({ pattern: '^https?://', description: 'Where to send the notification.' }),
          secret: Type.String({ minLength: 16, description: 'HMAC key (at least 16 characters). Use an environment reference.' }),
          maxAttempts: Type.Integer({ minimum: 1, maximum: 50, default: 8, description: 'Deliveries tried before giving up.' }),
        },
        {
          description:
            'POST the operation body to this URL when the operation ends, signed with `Portier-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`; retried with backoff on failure.',
          additionalProperties: false,
        },
      ),
    ),
  },
  {
    description:
      'Answer at once with 202 and an operation (`Location` header), queue the request durably and forward it in the background with the operation id as its `Idempotency-Key`, retrying upstream failures with capped exponential backoff until `deadline`. Needs the top-level `auth` section; settings in `operations`.',
    additionalProperties: false,
  },
);

/** `operations.list`: `GET <operations.path>`, how the caller's operations are paged and what the answer looks like. */
export const operationListSchema = Type.Object(
  {
    paging: Enum(['cursor', 'page'], {
      default: 'cursor',
      description: '`cursor`: `?limit=` (1 to 100, default 20) and an opaque `?cursor=` from the `next` link. `page`: `?page=` (from 1) and `?pageSize=` (1 to 100, default 20), with the total count, as paged APIs such as Codat\'s answer.',
    }),
    body: Type.Optional(
      JsonObject({
        description: 'Shape of the answer, a template like `operations.body`. Fields: operations (the page, each shaped by its operation body), next and previous (the link to that page, or null), self (the list path), current (this page\'s link), page and total (`page` paging; null with cursors), pageSize, links (HAL links: `{links.self}`, `{links.current}`, `{links.next?}`, `{links.previous?}`, each `{"href": ...}`). Default: `{"data": "{operations}", "next": "{next}"}`.',
      }),
    ),
  },
  {
    description: 'The list of the caller\'s operations, `GET <path>`: its paging and the shape of its answer.',
    additionalProperties: false,
    default: {},
  },
);

/** The top-level `operations` section: the queue, its workers and the polling routes. */
export const operationsSchema = Type.Object(
  {
    path: Type.String({
      pattern: '^/[^\\s?#*]*[^/\\s?#*]$',
      default: '/operations',
      description: 'Base path of the polling routes: `GET <path>` lists the caller\'s operations (newest first, `?limit=` and `?cursor=`), `GET <path>/<id>` shows one, `GET <path>/<id>/result` returns its upstream answer (409 `resource_not_ready` before). It may hold route parameters (`/companies/:companyId/push`): an operation is then found only under the parameter values it was created with.',
    }),
    sqlitePath: Type.Optional(Type.String({ minLength: 1, description: 'SQLite file of the queue. Default: `auth.store.sqlitePath`.' })),
    postgres: Type.Optional(
      postgresSectionSchema(
        'Keep the queue in PostgreSQL instead, shared by gateways on several hosts: each claims due operations without ever taking one another holds (`FOR UPDATE SKIP LOCKED`), and an operation whose gateway died is taken over after its lease. Schema migrated at start.',
        'service_unavailable',
      ),
    ),
    concurrency: Type.Integer({ minimum: 1, maximum: 1000, default: 8, description: 'Operations forwarded at the same time by one gateway.' }),
    leaseMs: Type.Integer({
      minimum: 100,
      maximum: 3600000,
      default: 60000,
      description: 'How long a gateway holds an operation it is forwarding; if it dies, another (or itself after a restart) takes it over after this.',
    }),
    maxPending: Type.Integer({ minimum: 1, maximum: 100000000, default: 100000, description: 'Most operations waiting at once; more are refused with 503 `operation_queue_full`.' }),
    retry: Type.Object(
      {
        baseDelayMs: Type.Integer({ minimum: 1, maximum: 3600000, default: 1000, description: 'Delay ceiling before the second attempt; doubles for each attempt after.' }),
        maxDelayMs: Type.Integer({ minimum: 1, maximum: 86400000, default: 60000, description: 'Largest delay between two attempts.' }),
      },
      {
        description: 'Backoff between attempts after an upstream failure (5xx, 408, 429, unreachable): capped exponential with full jitter; a Retry-After from the upstream is honoured.',
        additionalProperties: false,
        default: {},
      },
    ),
    retention: Type.String({
      pattern: durationPattern,
      default: '7d',
      description: 'How long finished operations stay readable before they are deleted.',
    }),
    maxResultBytes: Type.Integer({
      minimum: 0,
      maximum: 67108864,
      default: 1048576,
      description: 'Largest upstream answer body kept as an operation\'s result; a larger one is kept as its status only.',
    }),
    pollAfterSeconds: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 1,
      description: 'Retry-After sent with a 202 and with 409 `resource_not_ready`: when to poll next.',
    }),
    body: Type.Optional(JsonObject({ description: 'Default shape of the operation body for every async route (see the routes\' `async.body`).' })),
    list: operationListSchema,
  },
  {
    description: 'Asynchronous operations of routes marked `async`: their durable queue, workers and polling routes.',
    additionalProperties: false,
    default: {},
  },
);
