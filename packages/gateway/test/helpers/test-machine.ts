import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireSharedPostgres, sharedPostgresUrl } from './postgres.js';
import { sharedRedisUrl } from './redis.js';

/**
 * What the suite needs from the machine besides `npm install`: the shared Redis and PostgreSQL, and
 * redis-server on the PATH for the private servers of the fault tests. Returns the one line that says
 * what is missing, or undefined when nothing is. `npm test` runs it first (before lint and type-check,
 * `tsx packages/gateway/test/helpers/test-machine.ts`), and the vitest global setup runs
 * it again for `npx vitest run <file>`.
 */
export async function whatTheTestsLack(): Promise<string | undefined> {
  const missing: string[] = [];
  await pingRedis(sharedRedisUrl).catch(() => missing.push(`Redis at ${sharedRedisUrl} (or set PORTIER_TEST_REDIS_URL)`));
  await requireSharedPostgres().catch(() => missing.push(`PostgreSQL at ${sharedPostgresUrl} (or set PORTIER_TEST_POSTGRES_URL)`));
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error !== undefined) {
    missing.push('redis-server on the PATH (fault tests start private ones)');
  }
  return missing.length === 0 ? undefined : `The tests need: ${missing.join('; ')}. Start or install them, then run the tests again.`;
}

/** A PING over a bare socket: a Redis client would log its own connection errors on top of our line. */
function pingRedis(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolvePing, reject) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 6379) });
    socket.setTimeout(2000, () => socket.destroy(new Error('timed out')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write('PING\r\n'));
    // +PONG, or -NOAUTH from a server that wants a password: either way a Redis answers there.
    socket.once('data', (data) => {
      socket.destroy();
      if (/^[+-]/.test(data.toString('latin1'))) resolvePing();
      else reject(new Error('not a Redis server'));
    });
  });
}

// Run directly (`npm test` does, before anything else): the line and exit status 1 when something is missing.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const lack = await whatTheTestsLack();
  if (lack !== undefined) {
    process.stderr.write(`${lack}\n`);
    process.exit(1);
  }
}
