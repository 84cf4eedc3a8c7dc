import { Redis } from 'ioredis';
import type { IdempotencyConfig } from '../../config/config-types.js';
import { failFastOptions, waitUntilReady } from '../../redis/fail-fast.js';
import type { BeginRequest, BeginResult, IdempotencyStore, StoredResponse } from './idempotency-store.js';

/**
 * The same decision as the SQLite store's transaction, as one atomic script (fields: f fingerprint,
 * o owner, s state, l lock until, e expires at). Expiry is judged by the gateway's clock like SQLite's;
 * PEXPIRE only bounds memory.
 */
const beginScript = `
local rec = redis.call('HMGET', KEYS[1], 'f', 's', 'l', 'e')
if not rec[1] or tonumber(rec[4]) <= tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'f', ARGV[1], 'o', ARGV[2], 's', 'in_flight', 'l', ARGV[4], 'e', ARGV[5])
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  return {'started'}
end
if rec[1] ~= ARGV[1] then return {'mismatch'} end
if rec[2] == 'done' then
  local r = redis.call('HMGET', KEYS[1], 'st', 'h', 'b', 'c')
  return {'replay', r[1], r[2], r[3] or false, r[4]}
end
if tonumber(rec[3]) > tonumber(ARGV[3]) then return {'in_flight'} end
redis.call('HSET', KEYS[1], 'o', ARGV[2], 'l', ARGV[4])
return {'started'}
`;

const completeScript = `
if redis.call('HGET', KEYS[1], 'o') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 's', 'done', 'st', ARGV[2], 'h', ARGV[3], 'c', ARGV[5])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'b', ARGV[4]) end
return 1
`;

const releaseScript = `
if redis.call('HGET', KEYS[1], 'o') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`;

interface Scripts {
  idemBegin(key: string, ...args: (string | number)[]): Promise<(string | null)[]>;
  idemComplete(key: string, ...args: string[]): Promise<number>;
  idemRelease(key: string, owner: string): Promise<number>;
}

/**
 * Idempotency records in Redis, shared by every replica. A record expires by itself (`ttl` after the
 * first use). Bodies are stored as base64 with a `b64:` marker, so an empty body and a body that was not
 * stored stay distinct. Fails fast: a slow or absent Redis is an error, never a silent second run.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly redis: Redis & Scripts;

  constructor(
    private readonly config: NonNullable<IdempotencyConfig['redis']>,
    private readonly ttlMs: number,
  ) {
    this.redis = new Redis(config.url, failFastOptions(config.timeoutMs)) as Redis & Scripts;
    this.redis.defineCommand('idemBegin', { numberOfKeys: 1, lua: beginScript });
    this.redis.defineCommand('idemComplete', { numberOfKeys: 1, lua: completeScript });
    this.redis.defineCommand('idemRelease', { numberOfKeys: 1, lua: releaseScript });
    this.redis.on('error', () => undefined);
  }

  async begin(request: BeginRequest): Promise<BeginResult> {
    const { scope, fingerprint, owner, now, lockUntil, expiresAt } = request;
    let reply: (string | null)[];
    try {
      reply = await this.redis.idemBegin(this.key(scope), fingerprint, owner, now, lockUntil, expiresAt, this.ttlMs);
    } catch (error) {
      // A slow Redis may still run this begin later and leave the key in flight for lockTimeoutMs. A
      // release sent now on the same connection runs right after it (it only deletes this attempt's
      // record), so the caller's retry after the outage is not refused 409.
      this.redis.idemRelease(this.key(scope), owner).catch(() => undefined);
      throw error;
    }
    switch (reply[0]) {
      case 'started':
        return { kind: 'started' };
      case 'mismatch':
        return { kind: 'mismatch' };
      case 'in_flight':
        return { kind: 'in_flight' };
      default: {
        const body = reply[3];
        return {
          kind: 'replay',
          response: {
            status: Number(reply[1]),
            headers: JSON.parse(reply[2] ?? '[]') as string[],
            body: typeof body === 'string' && body.startsWith('b64:') ? Buffer.from(body.slice(4), 'base64') : undefined,
            correlationId: reply[4] ?? '',
          },
        };
      }
    }
  }

  async complete(scope: string, owner: string, response: StoredResponse): Promise<void> {
    const body = response.body === undefined ? '' : `b64:${response.body.toString('base64')}`;
    await this.redis.idemComplete(this.key(scope), owner, String(response.status), JSON.stringify(response.headers), body, response.correlationId);
  }

  async release(scope: string, owner: string): Promise<void> {
    await this.redis.idemRelease(this.key(scope), owner);
  }

  /** Waits for the connection, at most `waitMs`. */
  ready(waitMs: number): Promise<boolean> {
    return waitUntilReady(this.redis, waitMs);
  }

  /** One PING, for the readiness check: rejects at once while the connection is down (no offline queue). */
  ping(): Promise<unknown> {
    return this.redis.ping();
  }

  close(): void {
    this.redis.disconnect();
  }

  private key(scope: string): string {
    return `${this.config.keyPrefix}${scope}`;
  }
}
