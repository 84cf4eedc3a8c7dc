import { Type } from '@sinclair/typebox';
import { Enum } from '../../config/schema-builders.js';
import { pathPattern, redisUrlPattern } from '../../config/schema-constants.js';

/** What a limit counts by. */
export const limitSubjectSchema = Type.Unsafe<'key' | 'account' | 'ip' | 'route' | `param:${string}`>({
  type: 'string',
  pattern: '^(key|account|ip|route|param:[A-Za-z_][A-Za-z0-9_]*)$',
  description: '`key`, `account`, `ip`, `route` or `param:<route parameter>`.',
});

/** One rate limit or quota (route and plan `limits`). */
export const limitSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$', description: 'Name shown in RateLimit headers and 429 details (`minute`, `day`).' }),
    limit: Type.Integer({ minimum: 1, maximum: 1000000000, description: 'Request units allowed per window.' }),
    per: Type.String({
      pattern: '^(second|minute|hour|day|month|[1-9][0-9]*(ms|s|m|h|d))$',
      description: 'Window: `second`, `minute`, `hour`, `day`, `month`, or a duration such as `90s`, `15m`, `1d`.',
    }),
    algorithm: Enum(['sliding', 'fixed'], {
      default: 'sliding',
      description:
        '`sliding`: a window that moves with time (weighted over the previous window); `fixed`: resets at calendar boundaries (hour, day, month in `timeZone`) or every duration.',
    }),
    timeZone: Type.String({
      minLength: 1,
      default: 'UTC',
      description: 'IANA time zone that calendar-aligned fixed windows follow (for example `Europe/Paris`).',
    }),
    whenStoreDown: Enum(['open', 'closed', 'local'], {
      default: 'local',
      description:
        'With `rateLimits.redis`, what this limit does while Redis is down (unreachable, failing, or stalled for `timeoutMs`): `open` admits, `closed` answers 503 `rate_limiter_unavailable`, `local` counts in the process with the limit divided by `replicas`.',
    }),
    by: Type.Array(limitSubjectSchema, {
      minItems: 1,
      uniqueItems: true,
      default: ['account'],
      description: 'What the limit counts by; several values count each combination separately (`[key, param:base]`).',
    }),
  },
  { description: 'One rate limit or quota: at most `limit` request units per window, per subject.', additionalProperties: false },
);

/** Limits that apply together (route and plan `limits`), described for where they appear. */
export function limitListSchema(description: string) {
  return Type.Array(limitSchema, { description });
}

/** Route `cost`. */
export const routeCostSchema = Type.Integer({
  minimum: 1,
  maximum: 1000000,
  default: 1,
  description: 'Request units one request on this route uses from every limit.',
});

/** `rateLimits.redis`: counters shared through Redis. */
export const redisLimitsSchema = Type.Object(
  {
    url: Type.String({ pattern: redisUrlPattern, description: 'Redis URL, such as `redis://127.0.0.1:6379/0`; use `${REDIS_URL}` for secrets.' }),
    timeoutMs: Type.Integer({
      minimum: 1,
      maximum: 60000,
      default: 1000,
      description:
        'How long a call may wait for Redis, not counting time the gateway itself was busy, before Redis is declared down: the calls waiting then, and every request until Redis answers again, follow the limits\' `whenStoreDown`. A closed connection or a failed call is down at once. A slower answer from a connected Redis is otherwise waited for and used, never counted twice (see docs/rate-limits.md).',
    }),
    keyPrefix: Type.String({ maxLength: 100, default: 'portier:rl:', description: 'Prefix of every counter key.' }),
    cluster: Type.Boolean({
      default: false,
      description:
        'Redis Cluster: `url` is one seed node. Each event-loop turn sends one script call per slot; a decision whose limits count different subjects (a key and a base) is decided slot by slot and given back if any slot refuses: limits are never exceeded, and a concurrent request may rarely be refused while a refused one is given back.',
    }),
    replicas: Type.Integer({
      minimum: 1,
      maximum: 10000,
      default: 1,
      description: 'How many gateways share the limits: `local` fallback divides each limit by this.',
    }),
    retryAfterSeconds: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 5,
      description: 'Retry-After sent with 503 `rate_limiter_unavailable`.',
    }),
  },
  {
    description: 'Share counters between gateway replicas through Redis: exact across replicas, one round trip per request.',
    additionalProperties: false,
  },
);

/** The top-level `rateLimits` section. */
export const rateLimitsSchema = Type.Object(
  {
    redis: Type.Optional(redisLimitsSchema),
    usagePath: Type.Optional(
      Type.String({
        pattern: pathPattern,
        description:
          'Optional route (id `rate-limit-usage`) where a caller reads, with its own key, how much of its plan\'s limits it has used; `?base=b1` names a route parameter for limits counted by one.',
      }),
    ),
    sqlitePath: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'SQLite file where in-process counters of windows of an hour or more are saved every 5 seconds and at shutdown, so a restart keeps them. Default: `auth.store.sqlitePath` when there is one; otherwise they are not saved.',
      }),
    ),
    maxTrackedCounters: Type.Integer({
      minimum: 1000,
      maximum: 100000000,
      default: 1000000,
      description:
        'Most counters kept in memory (one per limit and subject, about 170 bytes each); past it the oldest are dropped, which forgets their counts.',
    }),
    headers: Type.Array(Enum(['ietf', 'x-ratelimit', 'x-rate-limit'], { description: 'A header set.' }), {
      uniqueItems: true,
      default: ['ietf'],
      description:
        'Header sets on the responses of a limited route (those the key checks and the plan let through; see docs/rate-limits.md): `ietf` (RateLimit-Policy and RateLimit), `x-ratelimit` (X-RateLimit-Limit/-Remaining/-Reset, reset in epoch seconds: Braze, SeaTable), `x-rate-limit` (X-Rate-Limit-*: Codat).',
    }),
  },
  { description: 'How rate limits are reported.', additionalProperties: false, default: {} },
);
