// npm run bench:profile: where Portier's own thread spends the full job's time, by function (self time
// from `node --cpu-prof`), to choose what to make cheaper; bench/instructions.ts then measures the
// change. The same job as there (a key among BENCH_KEYS, two limit windows, correlation ID, access log,
// metrics and usage metering on), BENCH_N requests over BENCH_CONNECTIONS connections after BENCH_WARM
// warm-up ones; prints the BENCH_TOP (40) functions by self time, with their share of the samples
// taken while counting. BENCH_DIST runs another build's cli/main.js (default packages/gateway/dist).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKeyed, openKeyedJob } from './keyed-job.js';
import { serverCore, startProcess } from './processes.js';

const keyCount = Number(process.env['BENCH_KEYS'] ?? 1000);
const warm = Number(process.env['BENCH_WARM'] ?? 20_000);
const counted = Number(process.env['BENCH_N'] ?? 40_000);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 8);
const top = Number(process.env['BENCH_TOP'] ?? 40);
const dist = process.env['BENCH_DIST'] ?? 'packages/gateway/dist';
const path = '/v1/limited/b1/rows';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\/.*?\/(node_modules|packages\/gateway\/dist[^/]*)\//, '$1/');
  return `${functionName === '' ? '(anonymous)' : functionName} ${file}${url === '' ? '' : `:${lineNumber + 1}`}`;
}

async function main(): Promise<void> {
  const { dir, configFile, keys, close } = await openKeyedJob('profile', keyCount);
  try {
    const profiles = join(dir, 'profiles');
    const server = await startProcess(['--cpu-prof', `--cpu-prof-dir=${profiles}`, join(dist, 'cli/main.js'), 'start', '--config', configFile], serverCore);
    await loadKeyed(server.url, path, keys, warm, connections);
    const from = performance.timeOrigin + performance.now();
    await loadKeyed(server.url, path, keys, counted, connections);
    const to = performance.timeOrigin + performance.now();
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await exited;
    const file = readdirSync(profiles).find((name) => name.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error('the server wrote no profile');
    const profile = JSON.parse(readFileSync(join(profiles, file), 'utf8')) as Profile;
    // Samples are timed in µs of the monotonic clock; keep those taken while counting (by wall time from the end).
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    let at = profile.startTime;
    const times: number[] = profile.timeDeltas.map((delta) => (at += delta));
    const end = times[times.length - 1] as number;
    const start = end - (to - from) * 1000 - (Date.now() - to) * 1000;
    const self = new Map<string, number>();
    let total = 0;
    profile.samples.forEach((id, i) => {
      if ((times[i] as number) < start) return;
      const name = label(byId.get(id) as ProfileNode);
      self.set(name, (self.get(name) ?? 0) + 1);
      total++;
    });
    const lines = [...self].sort((a, b) => b[1] - a[1]).slice(0, top);
    console.log(`\n${counted} counted requests, ${total} samples; self time by function:\n`);
    for (const [name, n] of lines) console.log(`${((n / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
    writeFileSync(join(tmpdir(), 'portier-last.cpuprofile'), JSON.stringify(profile));
    console.log(`\nprofile copied to ${join(tmpdir(), 'portier-last.cpuprofile')}`);
  } finally {
    close();
  }
}

await main();
