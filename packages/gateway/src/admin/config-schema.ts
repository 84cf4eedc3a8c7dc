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
    recentLogMaxLines: Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      default: 20_000,
      description:
        'Most log lines (those naming a correlation ID) kept in memory for the dashboard\'s request search; the oldest go first. 0 keeps none.',
    }),
    recentLogMaxBytes: Type.Integer({
      minimum: 0,
      maximum: 1024 * 1024 * 1024,
      default: 8 * 1024 * 1024,
      description: 'Most bytes of log text that ring keeps (8 MiB by default); whichever bound is reached first evicts the oldest lines.',
    }),
  },
  {
    description: 'The admin API (accounts, keys, maintenance) and the operators\' dashboard (`/dashboard`) on its own port. Off unless this section is present.',
    additionalProperties: false,
  },
);
