// npm run bench:latency: the full job's latency and CPU against its floor, at the same offered load.
// The full job is a key among 10,000 (a different one on each request), two windows by key (never
// reached), a correlation ID, the access log and metrics on; the keyed floor (bench/floor-keyed.ts) does
// a Map lookup and one counter. Each round measures the floor at saturation, then offers half of the
// floor's saturation rate, as a fixed rate, to the floor, to Portier counting in-process and to Portier
// counting in a private redis-server, and last saturates both Portiers. Servers run one at a time on one
// core, the load generator, the upstream and Redis on the other.
// Prints p50, p99 and server CPU per request, the ratios of each round and their medians.
// Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50), BENCH_ROUNDS (default 3).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure, median, printTableHead, row, type LoadOptions, type Result } from './load.js';
import { hasTaskset, loadCore, pinSelf, serverCore, startProcess, type Running } from './processes.js';
import { writePortierConfig } from './portier-config.js';
import { seedKeys, writeKeysFile } from './seed-keys.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 50);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const limitedPath = '/v1/limited/b1/rows';

/** A port nothing listens on right now (the bench's own Redis takes it at once). */
function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** A private redis-server (nothing kept on disk) on the load core, ready to accept connections. */
async function startRedis(): Promise<{ child: ChildProcess; url: string }> {
  const port = await unusedPort();
  const command = ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const pinned = hasTaskset ? ['taskset', '-c', loadCore, ...command] : command;
  const child = spawn(pinned[0] as string, pinned.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('Ready to accept connections')) {
        child.stdout?.resume();
        resolve();
      }
    });
    child.once('error', (error) => reject(new Error(`redis-server did not start (is it on the PATH?): ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${String(code)}: ${seen.slice(-500)}`)));
  });
  return { child, url: `redis://127.0.0.1:${port}/0` };
}

interface Ratios {
  p99AtHalf: number[];
  p99AtSaturation: number[];
  cpuAtHalf: number[];
  redisCpuAtHalf: number[];
  redisP99AtHalf: number[];
  redisCpuAtSaturation: number[];
}

async function round(servers: Record<'floor' | 'local' | 'redis', Running>, credentials: readonly string[], ratios: Ratios): Promise<void> {
  const at = (name: string, server: Running, rate?: number): Promise<Result> => {
    const options: LoadOptions = rate === undefined ? { connections, seconds, credentials } : { connections, seconds, credentials, rate };
    return measure(name, `${server.url}${limitedPath}`, server.child.pid as number, options);
  };
  const floorSaturated = await at('floor, saturated', servers.floor);
  const half = Math.round(floorSaturated.rps / 2);
  const floorHalf = await at(`floor, ${half} req/s`, servers.floor, half);
  const localHalf = await at(`portier in-process, ${half} req/s`, servers.local, half);
  const redisHalf = await at(`portier on Redis, ${half} req/s`, servers.redis, half);
  const localSaturated = await at('portier in-process, saturated', servers.local);
  const redisSaturated = await at('portier on Redis, saturated', servers.redis);
  for (const result of [floorSaturated, floorHalf, localHalf, redisHalf, localSaturated, redisSaturated]) console.log(row(result));
  const p99AtHalf = localHalf.p99 / floorHalf.p99;
  const p99AtSaturation = localSaturated.p99 / floorSaturated.p99;
  const cpuAtHalf = localHalf.cpuUsPerRequest / floorHalf.cpuUsPerRequest;
  const redisCpuAtHalf = redisHalf.cpuUsPerRequest / localHalf.cpuUsPerRequest;
  const redisP99AtHalf = redisHalf.p99 / floorHalf.p99;
  const redisCpuAtSaturation = redisSaturated.cpuUsPerRequest / localSaturated.cpuUsPerRequest;
  console.log(
    `\nportier/floor at ${half} req/s: p99 ${p99AtHalf.toFixed(2)}x (goal 1.5x), CPU per request ${cpuAtHalf.toFixed(2)}x (goal 1.0x); ` +
      `saturated: p99 ${p99AtSaturation.toFixed(2)}x, throughput ${(localSaturated.rps / floorSaturated.rps).toFixed(2)}x; ` +
      `Redis/in-process CPU per request ${redisCpuAtHalf.toFixed(2)}x at ${half} req/s, ${redisCpuAtSaturation.toFixed(2)}x saturated (goal 1.2x); Redis p99/floor at ${half} req/s ${redisP99AtHalf.toFixed(2)}x\n`,
  );
  ratios.p99AtHalf.push(p99AtHalf);
  ratios.p99AtSaturation.push(p99AtSaturation);
  ratios.cpuAtHalf.push(cpuAtHalf);
  ratios.redisCpuAtHalf.push(redisCpuAtHalf);
  ratios.redisP99AtHalf.push(redisP99AtHalf);
  ratios.redisCpuAtSaturation.push(redisCpuAtSaturation);
}

async function main(): Promise<void> {
  pinSelf();
  const started: { child: ChildProcess }[] = [];
  try {
    const redis = await startRedis();
    started.push(redis);
    const upstream = await startProcess(['--import', 'tsx', 'bench/upstream.ts', '0'], loadCore);
    started.push(upstream);
    const dir = mkdtempSync(join(tmpdir(), 'portier-latency-'));
    const configFile = writePortierConfig(upstream.url, dir);
    const keys = await seedKeys(configFile, 10_000);
    const keysFile = writeKeysFile(dir, keys);
    const floor = await startProcess(['--import', 'tsx', 'bench/floor-keyed.ts', upstream.url, '0', keysFile, '1000000000'], serverCore);
    started.push(floor);
    const local = await startProcess(['packages/gateway/dist/cli/main.js', 'start', '--config', configFile], serverCore);
    started.push(local);
    const redisServer = await startProcess(['packages/gateway/dist/cli/main.js', 'start', '--config', writePortierConfig(upstream.url, dir, redis.url)], serverCore);
    started.push(redisServer);
    console.log(`\nload: ${connections} keep-alive connections, ${seconds} s per scenario (after 5 s of warm-up), ${rounds} round(s)`);
    console.log(`pinning: ${hasTaskset ? `servers on core ${serverCore}, upstream, Redis and load on core ${loadCore}` : 'taskset not found, unpinned'}\n`);
    printTableHead();
    const ratios: Ratios = { p99AtHalf: [], p99AtSaturation: [], cpuAtHalf: [], redisCpuAtHalf: [], redisP99AtHalf: [], redisCpuAtSaturation: [] };
    const credentials = keys.map((key) => `Bearer ${key}`);
    for (let i = 0; i < rounds; i++) await round({ floor, local, redis: redisServer }, credentials, ratios);
    const m = (values: number[]): string => `${median(values).toFixed(2)}x`;
    console.log(
      `median over ${rounds} round(s): portier/floor p99 ${m(ratios.p99AtHalf)} at half the floor's saturation, ${m(ratios.p99AtSaturation)} saturated; ` +
        `CPU per request ${m(ratios.cpuAtHalf)}; Redis/in-process CPU per request ${m(ratios.redisCpuAtHalf)} at half, ${m(ratios.redisCpuAtSaturation)} saturated; Redis p99/floor ${m(ratios.redisP99AtHalf)} at half`,
    );
  } finally {
    for (const { child } of started.reverse()) child.kill('SIGTERM');
  }
}

await main();
