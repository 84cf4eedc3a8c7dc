// One measured load on one server: autocannon from this process, the server's CPU time from /proc.
// Shared by `npm run bench` (bench/run.ts) and `npm run bench:latency` (bench/latency.ts).
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/** Authorization headers to cycle through, one per request; none for an open route. */
export type Credentials = readonly string[] | undefined;

export interface LoadOptions {
  readonly connections: number;
  readonly seconds: number;
  /** Requests per second over all connections; saturation (as fast as answers come) when absent. */
  readonly rate?: number;
  readonly credentials?: Credentials | undefined;
  /** A JSON body to POST instead of a GET. */
  readonly body?: string | undefined;
}

export interface Result {
  readonly name: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuUsPerRequest: number;
  readonly errors: number;
}

/** utime + stime of a process, in clock ticks (1/100 s on Linux). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

/** A 5 s warm-up (JIT, pools, keep-alive sockets, key cache), then the measured load. */
export async function measure(name: string, url: string, pid: number, options: LoadOptions): Promise<Result> {
  const load = autocannonOptions(url, options);
  await autocannon({ ...load, duration: 5 });
  const before = cpuTicks(pid);
  const result = await autocannon({ ...load, duration: options.seconds });
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

function autocannonOptions(url: string, { connections, rate, credentials, body }: LoadOptions): autocannon.Options {
  const base: autocannon.Options = rate === undefined ? { url, connections } : { url, connections, overallRate: rate };
  if (body !== undefined) return { ...base, method: 'POST', headers: { 'content-type': 'application/json' }, body };
  if (credentials === undefined) return base;
  let next = 0;
  return {
    ...base,
    requests: [
      {
        setupRequest: (request) => {
          const authorization = credentials[next++ % credentials.length] as string;
          return { ...request, headers: { ...request.headers, authorization } };
        },
      },
    ],
  };
}

/** The head of the table `row` fills. */
export function printTableHead(): void {
  console.log('| scenario | req/s | p50 ms | p99 ms | server CPU µs/req | errors |');
  console.log('| --- | --- | --- | --- | --- | --- |');
}

export function row(result: Result): string {
  return `| ${result.name} | ${Math.round(result.rps)} | ${result.p50} | ${result.p99} | ${result.cpuUsPerRequest.toFixed(1)} | ${result.errors} |`;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
