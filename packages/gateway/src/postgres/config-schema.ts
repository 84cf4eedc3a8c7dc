import { Type } from '@sinclair/typebox';

/** A PostgreSQL connection section (accounts and keys, the operation queue): same fields everywhere. */
export function postgresSectionSchema(description: string, unavailableCode: string) {
  return Type.Object(
    {
      url: Type.String({ minLength: 1, description: 'Connection URL, such as `postgres://portier@db:5432/portier`; use `${DATABASE_URL}` for secrets.' }),
      schema: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$', default: 'portier', description: 'PostgreSQL schema that holds the tables (created if missing).' }),
      poolSize: Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'Most connections this gateway opens.' }),
      connectTimeoutMs: Type.Integer({ minimum: 1, maximum: 60000, default: 2000, description: `Time allowed to get a connection; past it a request needing the store gets 503 \`${unavailableCode}\`.` }),
      queryTimeoutMs: Type.Integer({ minimum: 1, maximum: 600000, default: 5000, description: `Time allowed for one query before 503 \`${unavailableCode}\`.` }),
    },
    { description, additionalProperties: false },
  );
}
