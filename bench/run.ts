// npm run bench: direct-to-upstream, the bare-proxy floor and Portier under the same keep-alive load,
// in one run, each server pinned to its own core when taskset is there. Then the same Portier on a route
// that needs an API key, with one key and with 10,000 keys (each request a different one), and on a route
// with limits (never reached) counted in-process and in Redis (BENCH_REDIS_URL, default the local one). Prints req/s, p50, p99 and CPU
// time per request (from /proc, steadier than req/s on a noisy machine), plus the Portier/floor ratios. Last, the
// full job (a key among 10,000, two windows) by the keyed floor and by fastify with its plugins, against Portier's.
// And Portier embedded (bench/embedded/): Express and Fastify with Portier's middleware against each with its
// rate-limit package and a hand-written key check, the app's handler answering.
// Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 32), BENCH_ROUNDS (default 1),
// BENCH_ONLY=embedded (only the embedded pairs).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedPath } from './embedded/config.js';
import { measure as measureLoad, median, printTableHead, row, type Credentials, type Result } from './load.js';
import { loadCore, pinSelf, serverCore, startProcess, hasTaskset, type Running } from './processes.js';
import { writePortierConfig } from './portier-config.js';
import { seedKeys, writeKeysFile } from './seed-keys.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 1);
const onlyEmbedded = process.env['BENCH_ONLY'] === 'embedded';

function measure(name: string, url: string, pid: number, credentials?: Credentials, body?: string): Promise<Result> {
  return measureLoad(name, url, pid, { connections, seconds, credentials, body });
}

/** A 1 KB JSON body (portier-config.ts has the schema that checks every field of it). */
const rowBody = JSON.stringify({
  table_name: 'Contacts',
  rows: Array.from({ length: 10 }, (_, i) => ({ Name: `Person number ${i}`, Email: `person${i}@example.com`, Age: 30 + i, Tags: ['a', 'b'], Active: i % 2 === 0 })),
});

/** Each framework with Portier's middleware and glued by hand (bench/embedded/), on the same keys. */
interface EmbeddedPairs {
  readonly servers: Record<string, Running>;
  readonly ratios: Record<string, number[]>;
}

const frameworks = ['express', 'fastify'] as const;

async function startEmbeddedPairs(dir: string, keysFile: string): Promise<EmbeddedPairs> {
  const servers: Record<string, Running> = {};
  for (const framework of frameworks) {
    servers[`${framework}-glued`] = await startProcess(['--import', 'tsx', `bench/embedded/${framework}-glued.ts`, '0', keysFile], serverCore);
    servers[`${framework}-portier`] = await startProcess(['--import', 'tsx', `bench/embedded/${framework}-portier.ts`, '0', join(dir, 'portier.db')], serverCore);
  }
  return { servers, ratios: { express: [], fastify: [] } };
}

/** One round of the embedded pairs: prints their rows and each framework's Portier/glued CPU ratio. */
async function measureEmbeddedPairs(pairs: EmbeddedPairs, credentials: Credentials): Promise<void> {
  const results: Result[] = [];
  const lines: string[] = [];
  for (const framework of frameworks) {
    const glued = pairs.servers[`${framework}-glued`] as Running;
    const portier = pairs.servers[`${framework}-portier`] as Running;
    const gluedResult = await measure(`embedded: ${framework} + rate-limit package + key check`, `${glued.url}${embeddedPath}`, glued.child.pid as number, credentials);
    const portierResult = await measure(`embedded: ${framework} + portier/${framework}`, `${portier.url}${embeddedPath}`, portier.child.pid as number, credentials);
    results.push(gluedResult, portierResult);
    const cpu = portierResult.cpuUsPerRequest / gluedResult.cpuUsPerRequest;
    pairs.ratios[framework]?.push(cpu);
    lines.push(`${framework}: portier/glued CPU per request ${cpu.toFixed(2)}x (goal 1.0x or less), throughput ${(portierResult.rps / gluedResult.rps).toFixed(2)}x`);
  }
  for (const result of results) console.log(row(result));
  console.log(`\n${lines.join('\n')}\n`);
}

function printHeader(): void {
  console.log(`\nload: ${connections} keep-alive connections, ${seconds} s per scenario, ${rounds} round(s)`);
  console.log(`pinning: ${hasTaskset ? `servers on core ${serverCore}, upstream and load on core ${loadCore}` : 'taskset not found, unpinned'}\n`);
  printTableHead();
}

/** BENCH_ONLY=embedded: the embedded pairs alone, on 10,000 keys. */
async function mainEmbedded(): Promise<void> {
  pinSelf();
  const dir = mkdtempSync(join(tmpdir(), 'portier-bench-'));
  // No upstream: the apps answer themselves. The config is only where seedKeys finds the store.
  const keys = await seedKeys(writePortierConfig('http://127.0.0.1:9', dir), 10_000);
  const keysFile = writeKeysFile(dir, keys);
  const pairs = await startEmbeddedPairs(dir, keysFile);
  printHeader();
  try {
    for (let round = 0; round < rounds; round++) await measureEmbeddedPairs(pairs, keys.map((key) => `Bearer ${key}`));
    if (rounds > 1) console.log(`median over ${rounds} rounds, portier/glued CPU per request: express ${median(pairs.ratios['express'] ?? []).toFixed(2)}x, fastify ${median(pairs.ratios['fastify'] ?? []).toFixed(2)}x`);
  } finally {
    for (const running of Object.values(pairs.servers)) running.child.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  pinSelf();
  const upstream = await startProcess(['--import', 'tsx', 'bench/upstream.ts', '0'], loadCore);
  const floor = await startProcess(['--import', 'tsx', 'bench/floor-proxy.ts', upstream.url, '0'], serverCore);
  const dir = mkdtempSync(join(tmpdir(), 'portier-bench-'));
  const configFile = writePortierConfig(upstream.url, dir);
  const keys = await seedKeys(configFile, 10_000);
  // The same job done by hand (the keyed floor) and by fastify with its own plugins, on the same keys.
  const keysFile = writeKeysFile(dir, keys);
  const keyedFloor = await startProcess(['--import', 'tsx', 'bench/floor-keyed.ts', upstream.url, '0', keysFile, '1000000000'], serverCore);
  const fastifyPeer = await startProcess(['--import', 'tsx', 'bench/fastify-peer.ts', upstream.url, '0', keysFile, '1000000000'], serverCore);
  const portier = await startProcess(['packages/gateway/dist/cli/main.js', 'start', '--config', configFile], serverCore);
  const redisUrl = process.env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';
  const redisConfig = writePortierConfig(upstream.url, dir, redisUrl);
  const portierRedis = await startProcess(['packages/gateway/dist/cli/main.js', 'start', '--config', redisConfig], serverCore);
  const pairs = await startEmbeddedPairs(dir, keysFile);
  const limitedPath = '/v1/limited/b1/rows';
  const path = '/v1/bases/b1/rows';
  const keyedPath = '/v1/keyed/b1/rows';
  printHeader();
  const throughputRatios: number[] = [];
  const cpuRatios: number[] = [];
  const authRatios: { one: number[]; many: number[] } = { one: [], many: [] };
  const limitRatios: Record<string, number[]> = { local1: [], local10k: [], redis1: [], redis10k: [] };
  const validationRatios: number[] = [];
  const jobRatios: { floor: number[]; fastify: number[] } = { floor: [], fastify: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      const direct = await measure('direct', `${upstream.url}${path}`, upstream.child.pid as number);
      const bare = await measure('floor (bare proxy)', `${floor.url}${path}`, floor.child.pid as number);
      const gateway = await measure('portier', `${portier.url}${path}`, portier.child.pid as number);
      const pid = portier.child.pid as number;
      const oneKey = await measure('portier + API key (1 key)', `${portier.url}${keyedPath}`, pid, [`Bearer ${keys[0] as string}`]);
      const manyKeys = await measure('portier + API key (10,000 keys)', `${portier.url}${keyedPath}`, pid, keys.map((key) => `Bearer ${key}`));
      const redisPid = portierRedis.child.pid as number;
      const one = [`Bearer ${keys[0] as string}`];
      const all = keys.map((key) => `Bearer ${key}`);
      const local1 = await measure('+ limits in-process (1 key)', `${portier.url}${limitedPath}`, pid, one);
      const local10k = await measure('+ limits in-process (10,000 keys)', `${portier.url}${limitedPath}`, pid, all);
      const redis1 = await measure('+ limits in Redis (1 key)', `${portierRedis.url}${limitedPath}`, redisPid, one);
      const redis10k = await measure('+ limits in Redis (10,000 keys)', `${portierRedis.url}${limitedPath}`, redisPid, all);
      const unvalidated = await measure('POST 1 KB, no schema', `${portier.url}/v1/append/b1/rows`, pid, undefined, rowBody);
      const validated = await measure('POST 1 KB, validated', `${portier.url}/v1/validated/b1/rows`, pid, undefined, rowBody);
      const floorJob = await measure('full job: keyed floor (10,000 keys)', `${keyedFloor.url}${limitedPath}`, keyedFloor.child.pid as number, all);
      const fastifyJob = await measure('full job: fastify + plugins (10,000 keys)', `${fastifyPeer.url}${limitedPath}`, fastifyPeer.child.pid as number, all);
      for (const result of [direct, bare, gateway, oneKey, manyKeys, local1, local10k, redis1, redis10k, unvalidated, validated, floorJob, fastifyJob]) console.log(row(result));
      jobRatios.floor.push(local10k.cpuUsPerRequest / floorJob.cpuUsPerRequest);
      jobRatios.fastify.push(local10k.cpuUsPerRequest / fastifyJob.cpuUsPerRequest);
      console.log(
        `\nfull job (key among 10,000, two windows in-process): Portier CPU per request ${(local10k.cpuUsPerRequest / floorJob.cpuUsPerRequest).toFixed(2)}x the keyed floor (goal 1.0x), ${(local10k.cpuUsPerRequest / fastifyJob.cpuUsPerRequest).toFixed(2)}x fastify; p99 ${(local10k.p99 / floorJob.p99).toFixed(2)}x the floor's (goal 1.5x)`,
      );
      validationRatios.push(validated.rps / unvalidated.rps);
      limitRatios['local1']?.push(local1.rps / oneKey.rps);
      limitRatios['local10k']?.push(local10k.rps / manyKeys.rps);
      limitRatios['redis1']?.push(redis1.rps / oneKey.rps);
      limitRatios['redis10k']?.push(redis10k.rps / manyKeys.rps);
      throughputRatios.push(gateway.rps / bare.rps);
      cpuRatios.push(gateway.cpuUsPerRequest / bare.cpuUsPerRequest);
      authRatios.one.push(oneKey.rps / gateway.rps);
      authRatios.many.push(manyKeys.rps / gateway.rps);
      console.log(
        `\nportier/floor: throughput ${(gateway.rps / bare.rps).toFixed(2)}x, CPU per request ${(gateway.cpuUsPerRequest / bare.cpuUsPerRequest).toFixed(2)}x (target: 0.9x or better)`,
      );
      console.log(
        `keyed/open route: 1 key ${(oneKey.rps / gateway.rps).toFixed(2)}x (CPU ${(oneKey.cpuUsPerRequest / gateway.cpuUsPerRequest).toFixed(2)}x), 10,000 keys ${(manyKeys.rps / gateway.rps).toFixed(2)}x (CPU ${(manyKeys.cpuUsPerRequest / gateway.cpuUsPerRequest).toFixed(2)}x) (target: 0.95x or better)`,
      );
      console.log(
        `limited/keyed route: in-process 1 key ${(local1.rps / oneKey.rps).toFixed(2)}x, 10,000 keys ${(local10k.rps / manyKeys.rps).toFixed(2)}x (target 0.95x); Redis 1 key ${(redis1.rps / oneKey.rps).toFixed(2)}x, 10,000 keys ${(redis10k.rps / manyKeys.rps).toFixed(2)}x (target 0.75x)`,
      );
      console.log(
        `validated/unvalidated 1 KB POST: throughput ${(validated.rps / unvalidated.rps).toFixed(2)}x, CPU per request ${(validated.cpuUsPerRequest / unvalidated.cpuUsPerRequest).toFixed(2)}x (target 0.85x)\n`,
      );
      await measureEmbeddedPairs(pairs, all);
    }
    if (rounds > 1) {
      console.log(
        `median over ${rounds} rounds: portier/floor throughput ${median(throughputRatios).toFixed(2)}x, CPU per request ${median(cpuRatios).toFixed(2)}x; keyed/open 1 key ${median(authRatios.one).toFixed(2)}x, 10,000 keys ${median(authRatios.many).toFixed(2)}x; limited/keyed in-process ${median(limitRatios['local1'] ?? []).toFixed(2)}x / ${median(limitRatios['local10k'] ?? []).toFixed(2)}x, Redis ${median(limitRatios['redis1'] ?? []).toFixed(2)}x / ${median(limitRatios['redis10k'] ?? []).toFixed(2)}x; validated/unvalidated ${median(validationRatios).toFixed(2)}x; full job CPU vs the keyed floor ${median(jobRatios.floor).toFixed(2)}x, vs fastify ${median(jobRatios.fastify).toFixed(2)}x; embedded portier/glued CPU express ${median(pairs.ratios['express'] ?? []).toFixed(2)}x, fastify ${median(pairs.ratios['fastify'] ?? []).toFixed(2)}x`,
      );
    }
  } finally {
    for (const running of [fastifyPeer, keyedFloor, portierRedis, portier, floor, upstream, ...Object.values(pairs.servers)]) running.child.kill('SIGTERM');
  }
}

await (onlyEmbedded ? mainEmbedded() : main());
