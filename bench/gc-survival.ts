// npm run bench:gc: how much of each request outlives a young-generation collection, Portier against the
// floor (bench/floor-keyed.ts), for the full job (a key among BENCH_KEYS, two limit windows, log, metrics
// and usage metering on). Each server runs with `--trace-gc-nvp`; over BENCH_N requests (after BENCH_WARM)
// it prints scavenges per 1,000 requests and the bytes they promoted per request. What survives a
// scavenge is copied (and promoted) by the scavenger, whose work grows with it: this is where to look
// when the callgrind dumps show `Scavenger::` high. BENCH_PATH picks the route (/v1/bases/b1/rows is open,
// /v1/keyed/b1/rows keyed without limits); BENCH_PEERS as in bench/instructions.ts (floor, portier,
// dist:<folder>).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { loadKeyed, openKeyedJob } from './keyed-job.js';
import { hasTaskset, root, serverCore } from './processes.js';

const keyCount = Number(process.env['BENCH_KEYS'] ?? 10_000);
const warm = Number(process.env['BENCH_WARM'] ?? 20_000);
const counted = Number(process.env['BENCH_N'] ?? 40_000);
const path = process.env['BENCH_PATH'] ?? '/v1/limited/b1/rows';
const peers = (process.env['BENCH_PEERS'] ?? 'floor,portier').split(',');

/** One scavenge as `--trace-gc-nvp` reports it. */
interface Scavenge {
  readonly promoted: number;
  readonly pauseMs: number;
}

/** A server whose stdout is read line by line: its address, and every scavenge it reported. */
interface TracedServer {
  readonly child: ChildProcess;
  readonly url: string;
  readonly scavenges: Scavenge[];
}

function startTraced(args: readonly string[]): Promise<TracedServer> {
  const command = [process.execPath, '--trace-gc-nvp', ...args];
  const pinned = hasTaskset ? ['taskset', '-c', serverCore, ...command] : command;
  const child = spawn(pinned[0] as string, pinned.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const scavenges: Scavenge[] = [];
  let pending = '';
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${command.join(' ')} exited with ${String(code)}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.includes(' gc=s ')) {
          const fields = Object.fromEntries(line.trim().split(/\s+/).map((pair) => pair.split('=')));
          scavenges.push({ promoted: Number(fields['promoted'] ?? 0), pauseMs: Number(fields['pause'] ?? 0) });
          continue;
        }
        const address = /listening (\d+)/.exec(line)?.[1] ?? /"url":"(http:[^"]+)"/.exec(line)?.[1];
        if (address !== undefined) resolve({ child, url: /^\d+$/.test(address) ? `http://127.0.0.1:${address}` : address, scavenges });
      }
    });
  });
}

async function main(): Promise<void> {
  const { upstream, configFile, keys, keysFile, close } = await openKeyedJob('gc', keyCount);
  try {
    console.log(`\n${keyCount} keys cycled, ${warm} warm-up and ${counted} counted requests over 8 connections, GET ${path}\n`);
    for (const peer of peers) {
      const dist = peer.startsWith('dist:') ? peer.slice('dist:'.length) : 'packages/gateway/dist';
      const args = peer === 'floor' ? ['--import', 'tsx', 'bench/floor-keyed.ts', upstream.url, '0', keysFile] : [join(dist, 'cli/main.js'), 'start', '--config', configFile];
      const server = await startTraced(args);
      try {
        await loadKeyed(server.url, path, keys, warm, 8);
        const from = server.scavenges.length;
        await loadKeyed(server.url, path, keys, counted, 8);
        const seen = server.scavenges.slice(from);
        const promoted = seen.reduce((sum, scavenge) => sum + scavenge.promoted, 0);
        const pauseMs = seen.reduce((sum, scavenge) => sum + scavenge.pauseMs, 0);
        console.log(
          `${peer}: ${((seen.length / counted) * 1000).toFixed(2)} scavenges per 1,000 requests, ${Math.round(promoted / counted).toLocaleString('en')} bytes promoted per request, scavenge pauses ${((pauseMs / counted) * 1000).toFixed(1)} µs per request`,
        );
      } finally {
        server.child.kill('SIGKILL');
      }
    }
  } finally {
    close();
  }
}

await main();
