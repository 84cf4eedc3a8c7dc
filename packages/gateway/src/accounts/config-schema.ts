import { Type } from '@sinclair/typebox';

/** `auth.keyCache`: bounds of the in-memory key cache (the key directory). */
export const keyCacheSchema = Type.Object(
  {
    maxKeys: Type.Integer({
      minimum: 1,
      maximum: 10000000,
      default: 100000,
      description: 'Most keys kept (with their account, about 1.2 KB each); past it the least recently used is dropped and looked up again when it comes back.',
    }),
    maxUnknownKeys: Type.Integer({
      minimum: 0,
      maximum: 10000000,
      default: 10000,
      description: 'Most ids the store did not know, remembered so a repeated unknown key costs no store lookup (0: none); past it the oldest is dropped.',
    }),
    unknownKeyTtlMs: Type.Integer({
      minimum: 100,
      maximum: 3600000,
      default: 30000,
      description: 'How long an unknown id is believed unknown (any change to keys forgets them all at once anyway).',
    }),
    maxConcurrentLookups: Type.Integer({
      minimum: 1,
      maximum: 10000,
      default: 32,
      description: 'Most store lookups of uncached keys at once (lookups of one id share one); past it a request is 503 `account_store_busy`, so random keys cannot load the store.',
    }),
    maxConcurrentLookupsPerClient: Type.Integer({
      minimum: 1,
      maximum: 10000,
      default: 4,
      description: 'Once half of `maxConcurrentLookups` are running, most of them one client address may hold; past it that client is 503 `account_store_busy` and the others keep their share (one caller sending random keys cannot lock the others out). Behind a load balancer every caller has its address: raise it to `maxConcurrentLookups` to turn it off.',
    }),
    maxPendingUses: Type.Integer({
      minimum: 100,
      maximum: 10000000,
      default: 10000,
      description: 'Most last-used times held between writes (every 10 s); when full they are written at once, and dropped while that write is still running.',
    }),
  },
  {
    description:
      'Bounds of the in-memory key cache, so memory never grows with callers (see docs/accounts-and-keys.md). Every bound evicts, never refuses, except `maxConcurrentLookups` and `maxConcurrentLookupsPerClient`.',
    additionalProperties: false,
    default: {},
  },
);
