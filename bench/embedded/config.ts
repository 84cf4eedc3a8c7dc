// The Portier config the embedded servers run: one route answered by the app (`app: true`), a key
// among the bench's (the store seed-keys.ts filled) and two windows by key, everything else Portier's
// defaults (correlation ID, access log, metrics, RateLimit headers).
export const embeddedPath = '/v1/limited/b1/rows';

/**
 * `lean`: the access log and usage metering off, so that Portier does what the glued pairs do (a key,
 * two windows, the RateLimit headers and a correlation ID) and nothing they do not.
 */
export function embeddedConfig(sqlitePath: string, lean = false): Record<string, unknown> {
  return {
    ...(lean ? { log: { level: 'warn' }, usage: { enabled: false } } : {}),
    auth: { instance: 'bench', maxKeysPerAccount: 100, store: { sqlitePath } },
    plans: { standard: {} },
    routes: [
      {
        id: 'limited-rows',
        path: '/v1/limited/:base/rows',
        methods: ['GET'],
        app: true,
        auth: { scopes: ['rows:read'], bindTo: 'base' },
        limits: [
          { name: 'second', limit: 100, per: 'second', by: ['key'] },
          { name: 'hour', limit: 10_000, per: 'hour', by: ['key'] },
        ],
      },
    ],
  };
}

/** What every embedded server's handler answers (about 60 bytes of JSON). */
export const answer = { rows: [{ id: 1, name: 'Ada' }], next: null };
