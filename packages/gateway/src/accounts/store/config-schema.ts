import { Type } from '@sinclair/typebox';
import { postgresSectionSchema } from '../../postgres/config-schema.js';

/** `auth.store`: where accounts and keys live. */
export const accountStoreSchema = Type.Object(
  {
    sqlitePath: Type.String({
      minLength: 1,
      default: 'portier.db',
      description: 'SQLite database file (created if missing, with its folder; relative to the working directory).',
    }),
    postgres: Type.Optional(
      postgresSectionSchema(
        'Keep accounts, keys and entity counts in PostgreSQL instead, shared by gateways on several hosts (the operation queue has its own `operations.postgres`). Schema migrated at start; a change made through one gateway reaches the others\' key caches within half a second.',
        'account_store_unavailable',
      ),
    ),
  },
  { description: 'Where accounts and keys live.', additionalProperties: false, default: {} },
);
