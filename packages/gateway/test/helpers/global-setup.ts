import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { chooseChromium } from './chromium.js';
import { requireSharedPostgres, sharedPostgresUrl } from './postgres.js';
import { sharedRedisUrl } from './redis.js';

/**
 * Runs once before any test file: checks what the suite needs from the machine, so that a missing
 * server is one line at the start instead of many failures later, and unpacks the npm Chromium once
 * (two test files unpacking it at the same moment would race).
 */
export default async function checkTestMachine(): Promise<void> {
  const missing: string[] = [];
  await pingRedis(sharedRedisUrl).catch(() => missing.push(`Redis at ${sharedRedisUrl} (or set PORTIER_TEST_REDIS_URL)`));
  await requireSharedPostgres().catch(() => missing.push(`PostgreSQL at ${sharedPostgresUrl} (or set PORTIER_TEST_POSTGRES_URL)`));
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error !== undefined) {
    missing.push('redis-server on the PATH (fault tests start private ones)');
  }
  if (missing.length > 0) {
    const line = `The tests need: ${missing.join('; ')}. Start or install them, then run the tests again.`;
    // A bare message: the stack of this file would only hide the one line that matters.
    const error = new Error(line);
    error.stack = line;
    throw error;
  }
  await chooseChromium();
}

/** A PING over a bare socket: a Redis client would log its own connection errors on top of our line. */
function pingRedis(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 6379) });
    socket.setTimeout(2000, () => socket.destroy(new Error('timed out')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write('PING\r\n'));
    // +PONG, or -NOAUTH from a server that wants a password: either way a Redis answers there.
    socket.once('data', (data) => {
      socket.destroy();
      if (/^[+-]/.test(data.toString('latin1'))) resolve();
      else reject(new Error('not a Redis server'));
    });
  });
}
