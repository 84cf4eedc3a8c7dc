import { Type } from '@sinclair/typebox';

/** The top-level `admin` section: the admin API. */
export const adminSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address the admin API listens on; keep it private.' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8081, description: 'TCP port of the admin API; 0 picks a free one.' }),
    token: Type.String({
      minLength: 32,
      description: 'Bearer token the admin API requires (at least 32 characters). Use an environment reference: `${PORTIER_ADMIN_TOKEN}`.',
    }),
  },
  {
    description: 'The admin API (accounts, keys, maintenance) on its own port. Off unless this section is present.',
    additionalProperties: false,
  },
);
