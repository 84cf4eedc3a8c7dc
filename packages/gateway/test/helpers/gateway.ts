import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { createGateway, type Gateway } from '../../src/server/create-gateway.js';
import { parseConfig } from '../../src/config-loader/load-config.js';
import { formatConfigProblem } from '../../src/config/config-problem.js';
import type { Clock } from '../../src/clock.js';
import { within } from './wait-for.js';

export interface TestGateway {
  readonly url: string;
  readonly gateway: Gateway;
  /** Every log line written so far, parsed. */
  readonly logs: Record<string, unknown>[];
  /** The raw log text, to check that secrets never appear. */
  logText(): string;
  /** Resolves with the first log line (written so far or later) that `matches`; fails naming `what` after a timeout. */
  logged(matches: (line: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * Starts a gateway on a free port from a config object, going through the real YAML parsing and
 * schema validation. Logs are captured in memory.
 */
export async function startGateway(config: Record<string, unknown>, options: { clock?: Clock } = {}): Promise<TestGateway> {
  const withPort = { ...config, server: { port: 0, ...(config['server'] as object | undefined) } };
  const result = parseConfig(stringify(withPort), 'test.yaml', {});
  if (!result.ok) throw new Error(`test config invalid:\n${result.problems.map(formatConfigProblem).join('\n')}`);
  const lines: string[] = [];
  const watchers = new Set<(line: Record<string, unknown>) => void>();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter((text) => text !== '')) {
        lines.push(line);
        if (watchers.size === 0) continue;
        const parsed = JSON.parse(line) as Record<string, unknown>;
        for (const watch of watchers) watch(parsed);
      }
      callback();
    },
  });
  const logged = (matches: (line: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>> => {
    const earlier = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find(matches);
    if (earlier !== undefined) return Promise.resolve(earlier);
    let watch: (line: Record<string, unknown>) => void = () => undefined;
    const found = new Promise<Record<string, unknown>>((resolve) => {
      watch = (line) => {
        if (matches(line)) resolve(line);
      };
      watchers.add(watch);
    });
    return within(found, `a log line: ${what}`, timeoutMs).finally(() => watchers.delete(watch));
  };
  const gateway = createGateway(result.config, {
    logDestination: sink,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const url = await gateway.listen();
  return {
    url,
    gateway,
    get logs() {
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    logText: () => lines.join('\n'),
    logged,
    close: () => gateway.shutdown(0),
  };
}

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private current = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/**
 * The system clock plus what the test adds: time flows (retries and leases fall due on their own),
 * and the test jumps it forward instead of sleeping through a deadline.
 */
export class JumpingClock implements Clock {
  private offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
