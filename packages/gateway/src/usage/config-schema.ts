import { Type } from '@sinclair/typebox';
import { durationPattern } from '../config/duration.js';

/** The top-level `usage` section: metering per account, key, route and minute (see docs/usage-metering.md). */
export const usageSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description:
        'Count every answer per minute (account, key, route, status, error code), with latency buckets and the recent error answers, and write them to the store in batches. On by default, it runs only when there is a store to write to: `usage.sqlitePath`, or the `auth` section\'s store (SQLite or PostgreSQL).',
    }),
    flushInterval: Type.String({
      pattern: durationPattern,
      default: '10s',
      description: 'How often the counts held in memory are written to the store (one batch, never a write per request). A crash loses at most this much; a graceful shutdown loses nothing.',
    }),
    retention: Type.String({
      pattern: durationPattern,
      default: '90d',
      description: 'How long minute rows, latency buckets and recent errors stay in the store before they are deleted.',
    }),
    sqlitePath: Type.Optional(
      Type.String({ minLength: 1, description: 'SQLite file of the usage tables. Default: `auth.store.sqlitePath` (with `auth.store.postgres`, the usage tables live in that PostgreSQL schema instead).' }),
    ),
    recentErrors: Type.Integer({
      minimum: 0,
      maximum: 100000,
      default: 200,
      description: 'Error answers kept per account in the store (the newest; older ones are trimmed at each flush).',
    }),
    maxPendingRows: Type.Integer({
      minimum: 100,
      maximum: 10000000,
      default: 100000,
      description:
        'Most distinct minute rows held in memory while the store cannot be written; past it, requests of new combinations are not counted (logged with their number) until a flush succeeds. Counts already held keep adding up.',
    }),
  },
  {
    description: 'Usage metering for dashboards, the key holders\' portal and billing exports (`portier usage export`).',
    additionalProperties: false,
    default: {},
  },
);
