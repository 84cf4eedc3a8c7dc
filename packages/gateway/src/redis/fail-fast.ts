import type { Cluster, Redis, RedisOptions } from 'ioredis';

/**
 * Connection options for a Redis that must fail fast rather than queue: no offline queue, no retries of
 * a command, a command timeout (unless the caller watches for stalls itself), quick reconnects. Callers apply their own policy to each failure
 * (rate limits: `whenStoreDown`; idempotency: 503) instead of waiting on a dead server.
 */
export function failFastOptions(timeoutMs: number, options: { readonly commandTimeout: boolean } = { commandTimeout: true }): RedisOptions {
  return {
    enableOfflineQueue: false,
    ...(options.commandTimeout ? { commandTimeout: timeoutMs } : {}),
    maxRetriesPerRequest: 0,
    connectTimeout: Math.max(1000, timeoutMs),
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
  };
}

/** Resolves true once the client is ready, false after `waitMs` (the listener is removed either way). */
export function waitUntilReady(client: Redis | Cluster, waitMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const onReady = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, waitMs);
    client.once('ready', onReady);
  });
}
