// npm run bench:instructions: user-space instructions per request, counted by valgrind's callgrind, for
// the full job done three ways: the floor (bench/floor-keyed.ts: node:http + undici + a Map of keys + a
// fixed-window counter), Portier (key among BENCH_KEYS in its SQLite store, two limit windows,
// correlation ID, access log, metrics and usage metering on: its defaults), and fastify with @fastify/http-proxy and
// @fastify/rate-limit (bench/fastify-peer.ts). Each server runs alone under callgrind on the server core;
// BENCH_WARM requests let the JIT settle, in BENCH_WARM_ROUNDS rounds (3), each on connections of its
// own, the counters are zeroed, BENCH_N requests are counted on new connections. The rounds are there
// because a server's first reconnections are not its steady state: V8 generalizes fields of Node's
// socket and stream objects when a second set of connections comes, and deoptimizes the code that
// read them (node --trace-deopt: 44 deoptimizations after the first reconnection, Portier's key check
// among them, then 15 after the next, none in its request path). BENCH_WARM_ROUNDS=1 is the old way.
// Instructions do not depend on what else the machine runs, unlike CPU time: this is the figure to
// decide with. BENCH_PEERS=embedded counts the embedded pairs instead (bench/embedded/): Express and
// Fastify with Portier's middleware against each with its rate-limit package and a hand-written key
// check, all answering from the app's handler. Environment: BENCH_KEYS (10000), BENCH_WARM (15000),
// BENCH_N (10000), BENCH_CONNECTIONS (8), BENCH_KEEP (set: keep the dumps), BENCH_PEERS
// (floor,portier,fastify; or embedded, or any of express-portier, express-glued, fastify-portier,
// fastify-glued, express-portier-lean, fastify-portier-lean (access log and metering off, the glued
// pairs' work); `portier-nousage` is Portier with usage metering off, so
// BENCH_PEERS=portier,portier-nousage prints what metering costs per request; `dist:<folder>` is Portier
// from another build, e.g. a copy of packages/gateway/dist taken before a change, kept inside
// packages/gateway so that it resolves the same packages: BENCH_PEERS=dist:packages/gateway/dist-base,portier
// is an A/B of two builds in one invocation, each later peer printed as a ratio to the one before it;
// `fastify-dist:<folder>` and `express-dist:<folder>` are the embedded Portier peers with the adapter
// loaded from such a copy, so BENCH_PEERS=fastify-dist:packages/gateway/dist-base,fastify-portier is
// the same A/B for the Fastify plugin).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadKeyed, openKeyedJob } from './keyed-job.js';
import { writePortierConfig } from './portier-config.js';
import { serverCore, startProcess, type Running } from './processes.js';

const keyCount = Number(process.env['BENCH_KEYS'] ?? 10_000);
const warm = Number(process.env['BENCH_WARM'] ?? 15_000);
const warmRounds = Math.max(1, Number(process.env['BENCH_WARM_ROUNDS'] ?? 3));
const counted = Number(process.env['BENCH_N'] ?? 10_000);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 8);
const embeddedPeers = ['express-glued', 'express-portier', 'fastify-glued', 'fastify-portier'];
const peers = (process.env['BENCH_PEERS'] ?? 'floor,portier,fastify').split(',').flatMap((peer) => (peer === 'embedded' ? embeddedPeers : [peer]));
const path = '/v1/limited/b1/rows';

function callgrindControl(option: '-z' | '-d', pid: number): void {
  const result = spawnSync('callgrind_control', [option, String(pid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`callgrind_control ${option} failed: ${result.stderr}`);
}

/** The newest dump in `dir` (the one `callgrind_control -d` just wrote) and its instruction total. */
function newestDump(dir: string): { readonly file: string; readonly total: number } {
  const dumps = readdirSync(dir)
    .filter((name) => name.startsWith('callgrind.'))
    .map((name) => join(dir, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const file of dumps) {
    const total = /^(?:summary|totals): (\d+)/m.exec(readFileSync(file, 'utf8'))?.[1];
    if (total !== undefined) return { file, total: Number(total) };
  }
  throw new Error(`no callgrind dump with a total in ${dir}`);
}

/** Instructions of the whole process, and inclusive of the event loop's socket work (the requests) and of its timers. */
interface Counted {
  readonly total: number;
  readonly requests: number | undefined;
  readonly timers: number | undefined;
}

/** The inclusive count of libuv's `name` in a dump, from callgrind_annotate (undefined when it is not there). */
function inclusive(annotated: string, name: string): number | undefined {
  const count = new RegExp(`^\\s*([\\d,]+) \\([^)]*\\)\\s+\\S*:${name} `, 'm').exec(annotated)?.[1];
  return count === undefined ? undefined : Number(count.replaceAll(',', ''));
}

async function instructionsPerRequest(name: string, args: readonly string[], keys: readonly string[], dir: string): Promise<Counted> {
  const out = mkdtempSync(join(dir, `${name.replace(/[^\w-]/g, '_')}-`));
  const wrapper = ['valgrind', '--tool=callgrind', `--callgrind-out-file=${join(out, 'callgrind.%p')}`, '--cache-sim=no', '--dump-instr=no', '--collect-jumps=no', '--smc-check=all-non-file'];
  const server: Running = await startProcess(args, serverCore, wrapper);
  try {
    const pid = server.child.pid as number;
    // The rounds go on through the keys where the last one stopped, as one warm-up would.
    const perRound = Math.ceil(warm / warmRounds);
    for (let round = 0; round < warmRounds; round++) await loadKeyed(server.url, path, keys, perRound, connections, round * perRound);
    callgrindControl('-z', pid);
    await loadKeyed(server.url, path, keys, counted, connections);
    callgrindControl('-d', pid);
    // The dump is written by the server's own thread: wait until it is there.
    for (let tries = 0; ; tries++) {
      try {
        const dump = newestDump(out);
        const annotated = spawnSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', dump.file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).stdout ?? '';
        const perRequest = (n: number | undefined): number | undefined => (n === undefined ? undefined : Math.round(n / counted));
        return { total: Math.round(dump.total / counted), requests: perRequest(inclusive(annotated, 'uv__io_poll')), timers: perRequest(inclusive(annotated, 'uv__run_timers')) };
      } catch (error) {
        if (tries > 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    server.child.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  if (spawnSync('valgrind', ['--version']).status !== 0) throw new Error('valgrind is not installed (Debian package valgrind)');
  const { dir, upstream, configFile, keys, keysFile, close } = await openKeyedJob('instructions', keyCount);
  try {
    const limit = '1000000000';
    const commands: Record<string, readonly string[]> = {
      floor: ['--import', 'tsx', 'bench/floor-keyed.ts', upstream.url, '0', keysFile, limit],
      portier: ['packages/gateway/dist/cli/main.js', 'start', '--config', configFile],
      'portier-nousage': ['packages/gateway/dist/cli/main.js', 'start', '--config', writePortierConfig(upstream.url, dir, undefined, { usage: false })],
      fastify: ['--import', 'tsx', 'bench/fastify-peer.ts', upstream.url, '0', keysFile, limit],
      'express-portier': ['--import', 'tsx', 'bench/embedded/express-portier.ts', '0', join(dir, 'portier.db')],
      'express-glued': ['--import', 'tsx', 'bench/embedded/express-glued.ts', '0', keysFile],
      'fastify-portier': ['--import', 'tsx', 'bench/embedded/fastify-portier.ts', '0', join(dir, 'portier.db')],
      'fastify-glued': ['--import', 'tsx', 'bench/embedded/fastify-glued.ts', '0', keysFile],
      'express-portier-lean': ['--import', 'tsx', 'bench/embedded/express-portier.ts', '0', join(dir, 'portier.db'), '-', 'lean'],
      'fastify-portier-lean': ['--import', 'tsx', 'bench/embedded/fastify-portier.ts', '0', join(dir, 'portier.db'), '-', 'lean'],
    };
    const argsOf = (peer: string): readonly string[] | undefined => {
      if (peer.startsWith('dist:')) return [join(peer.slice('dist:'.length), 'cli/main.js'), 'start', '--config', configFile];
      const embeddedBuild = /^(express|fastify)-dist:(.+)$/.exec(peer);
      if (embeddedBuild !== null) return ['--import', 'tsx', `bench/embedded/${embeddedBuild[1] as string}-portier.ts`, '0', join(dir, 'portier.db'), embeddedBuild[2] as string];
      return commands[peer];
    };
    console.log(`\n${keyCount} keys cycled, ${warm} warm-up and ${counted} counted requests over ${connections} connections, GET ${path}\n`);
    const results: Record<string, number> = {};
    const requestPaths: Record<string, number | undefined> = {};
    for (const peer of peers) {
      const args = argsOf(peer);
      if (args === undefined) throw new Error(`unknown peer ${peer} (floor, portier, dist:<folder>, portier-nousage, fastify, embedded, ${embeddedPeers.join(', ')}, fastify-dist:<folder>, express-dist:<folder>)`);
      const counts = await instructionsPerRequest(peer, args, keys, dir);
      results[peer] = counts.total;
      requestPaths[peer] = counts.requests;
      const split = counts.requests === undefined ? '' : ` (requests, uv__io_poll: ${counts.requests.toLocaleString('en')}; timers, uv__run_timers: ${(counts.timers ?? 0).toLocaleString('en')})`;
      console.log(`${peer}: ${counts.total.toLocaleString('en')} instructions per request${split}`);
    }
    const metered = results['portier'];
    const unmetered = results['portier-nousage'];
    if (metered !== undefined && unmetered !== undefined) {
      const change = (metered / unmetered - 1) * 100;
      console.log(`\nusage metering on / off: ${metered.toLocaleString('en')} / ${unmetered.toLocaleString('en')} instructions per request, ratio ${(metered / unmetered).toFixed(3)} (${change >= 0 ? '+' : ''}${change.toFixed(2)}%)`);
    }
    const buildRuns = [
      peers.filter((peer) => peer === 'portier' || peer.startsWith('dist:')),
      peers.filter((peer) => peer === 'fastify-portier' || peer.startsWith('fastify-dist:')),
      peers.filter((peer) => peer === 'express-portier' || peer.startsWith('express-dist:')),
    ];
    for (const builds of buildRuns) {
      for (let i = 1; i < builds.length; i++) {
        const before = results[builds[i - 1] as string] as number;
        const after = results[builds[i] as string] as number;
        const requestsAfter = requestPaths[builds[i] as string];
        const requestsBefore = requestPaths[builds[i - 1] as string];
        const requests = requestsAfter === undefined || requestsBefore === undefined ? '' : `; request path ${requestsAfter.toLocaleString('en')} / ${requestsBefore.toLocaleString('en')}, ratio ${(requestsAfter / requestsBefore).toFixed(3)}`;
        console.log(`${builds[i]} / ${builds[i - 1]}: ${after.toLocaleString('en')} / ${before.toLocaleString('en')} instructions per request, ratio ${(after / before).toFixed(3)}${requests}`);
      }
    }
    const floor = results['floor'];
    if (floor !== undefined) {
      const floorRequests = requestPaths['floor'];
      console.log('\n| peer | instructions per request | vs the floor | request path (uv__io_poll) | vs the floor |\n| --- | --- | --- | --- | --- |');
      for (const [peer, value] of Object.entries(results)) {
        const requests = requestPaths[peer];
        const ratio = requests === undefined || floorRequests === undefined ? 'n/a' : `${(requests / floorRequests).toFixed(2)}x`;
        console.log(`| ${peer} | ${value.toLocaleString('en')} | ${(value / floor).toFixed(2)}x | ${requests?.toLocaleString('en') ?? 'n/a'} | ${ratio} |`);
      }
    }
    for (const framework of ['express', 'fastify']) {
      const glued = results[`${framework}-glued`];
      const gluedRequests = requestPaths[`${framework}-glued`];
      for (const variant of ['', '-lean']) {
        const embedded = results[`${framework}-portier${variant}`];
        const embeddedRequests = requestPaths[`${framework}-portier${variant}`];
        const requests = gluedRequests === undefined || embeddedRequests === undefined ? '' : `, ${(embeddedRequests / gluedRequests).toFixed(2)}x on the request path`;
        const what = variant === '' ? "Portier's middleware" : "Portier's middleware without access log and metering";
        if (glued !== undefined && embedded !== undefined) console.log(`${framework}: ${what} ${(embedded / glued).toFixed(2)}x the instructions of the hand-glued pair${requests} (goal 1.0x or less)`);
      }
    }
  } finally {
    // BENCH_KEEP=1 keeps the callgrind dumps (one folder per peer) for callgrind_annotate.
    const keep = process.env['BENCH_KEEP'] !== undefined;
    close(keep);
    if (keep) console.log(`\ncallgrind dumps kept in ${dir}`);
  }
}

await main();
