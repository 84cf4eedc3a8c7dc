// npm run bench: direct-to-upstream, the bare-proxy floor and Portier under the same keep-alive load,
// in one run, each server pinned to its own core when taskset is there. Prints req/s, p50, p99 and CPU
// time per request (from /proc, steadier than req/s on a noisy machine), plus the Portier/floor ratios.
// Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 32), BENCH_ROUNDS (default 1).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 1);
const root = fileURLToPath(new URL('..', import.meta.url));
const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
const serverCore = '1';
const loadCore = '0';

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
}

/** Starts a server process pinned to a core and waits until it prints its port (or Portier's log line). */
function startProcess(args: string[], core: string): Promise<Running> {
  const command = hasTaskset ? 'taskset' : process.execPath;
  const fullArgs = hasTaskset ? ['-c', core, process.execPath, ...args] : args;
  const child = spawn(command, fullArgs, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const port = /listening (\d+)/.exec(seen)?.[1];
      const url = /"url":"(http:[^"]+)"/.exec(seen)?.[1];
      if (port !== undefined || url !== undefined) {
        child.stdout?.off('data', onData);
        // From here on, output is drained and dropped so a full pipe never stalls the server.
        child.stdout?.resume();
        resolve({ child, url: url ?? `http://127.0.0.1:${port}` });
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${String(code)}`)));
  });
}

/** utime + stime of a process, in clock ticks (1/100 s on Linux). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

interface Result {
  readonly name: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuUsPerRequest: number;
  readonly errors: number;
}

async function measure(name: string, url: string, pid: number): Promise<Result> {
  await autocannon({ url, connections, duration: 5 }); // warm-up: JIT, pools, keep-alive sockets
  const before = cpuTicks(pid);
  const result = await autocannon({ url, connections, duration: seconds });
  const ticks = cpuTicks(pid) - before;
  const requests = result.requests.total;
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuUsPerRequest: requests === 0 ? 0 : (ticks * 10_000) / requests,
    errors: result.errors + result.non2xx,
  };
}

function portierConfig(upstreamUrl: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'portier-bench-')), 'portier.yaml');
  writeFileSync(
    file,
    `server: { port: 0 }
upstreams:
  app: { url: "${upstreamUrl}", connections: 128 }
routes:
  - { id: rows, path: "/v1/bases/:base/rows", upstream: app }
`,
  );
  return file;
}

function pinSelf(): void {
  if (hasTaskset) spawnSync('taskset', ['-p', '-c', loadCore, String(process.pid)]);
}

function row(result: Result): string {
  return `| ${result.name} | ${Math.round(result.rps)} | ${result.p50} | ${result.p99} | ${result.cpuUsPerRequest.toFixed(1)} | ${result.errors} |`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function main(): Promise<void> {
  pinSelf();
  const upstream = await startProcess(['--import', 'tsx', 'bench/upstream.ts', '0'], loadCore);
  const floor = await startProcess(['--import', 'tsx', 'bench/floor-proxy.ts', upstream.url, '0'], serverCore);
  const portier = await startProcess(
    ['packages/gateway/dist/cli/main.js', 'start', '--config', portierConfig(upstream.url)],
    serverCore,
  );
  const path = '/v1/bases/b1/rows';
  console.log(`\nload: ${connections} keep-alive connections, ${seconds} s per scenario, ${rounds} round(s)`);
  console.log(`pinning: ${hasTaskset ? `servers on core ${serverCore}, upstream and load on core ${loadCore}` : 'taskset not found, unpinned'}\n`);
  console.log('| scenario | req/s | p50 ms | p99 ms | server CPU µs/req | errors |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  const throughputRatios: number[] = [];
  const cpuRatios: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const direct = await measure('direct', `${upstream.url}${path}`, upstream.child.pid as number);
      const bare = await measure('floor (bare proxy)', `${floor.url}${path}`, floor.child.pid as number);
      const gateway = await measure('portier', `${portier.url}${path}`, portier.child.pid as number);
      for (const result of [direct, bare, gateway]) console.log(row(result));
      throughputRatios.push(gateway.rps / bare.rps);
      cpuRatios.push(gateway.cpuUsPerRequest / bare.cpuUsPerRequest);
      console.log(
        `\nportier/floor: throughput ${(gateway.rps / bare.rps).toFixed(2)}x, CPU per request ${(gateway.cpuUsPerRequest / bare.cpuUsPerRequest).toFixed(2)}x (target: throughput 0.9x or better)\n`,
      );
    }
    if (rounds > 1) {
      console.log(
        `median over ${rounds} rounds: portier/floor throughput ${median(throughputRatios).toFixed(2)}x, CPU per request ${median(cpuRatios).toFixed(2)}x`,
      );
    }
  } finally {
    for (const running of [portier, floor, upstream]) running.child.kill('SIGTERM');
  }
}

await main();
