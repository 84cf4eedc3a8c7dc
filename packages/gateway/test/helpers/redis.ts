import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait-for.js';
import { addressInUse, reservePort, reservePortPair, startOnReservedPort, type ReservedPort } from './ports.js';

/** The shared Redis of this machine and CI. Tests fail (never skip) when it is not there. */
export const sharedRedisUrl = process.env['PORTIER_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';

export async function requireSharedRedis(): Promise<void> {
  const client = new Redis(sharedRedisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000 });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(`these tests need Redis at ${sharedRedisUrl} (start it, or set PORTIER_TEST_REDIS_URL): ${String(error)}`);
  } finally {
    client.disconnect();
  }
}

/** A key prefix no other test uses. */
export function uniquePrefix(): string {
  return `portier:test:${randomUUID()}:`;
}


/** A private redis-server on its own port, for fault tests: never the shared one. */
export class PrivateRedis {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly args: readonly string[],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /**
   * Starts a redis-server on a port reserved until the moment before it binds (redis-server must be
   * told its port), on a fresh port when another process took it in that gap. `reserve` holds the
   * ports it needs; `extraArgs` may name files after the port.
   */
  static create(
    extraArgs: (port: number) => readonly string[] = () => [],
    reserve: () => Promise<readonly ReservedPort[]> = async () => [await reservePort()],
  ): Promise<PrivateRedis> {
    return startOnReservedPort(reserve, async ([port]) => {
      const redis = new PrivateRedis(port as number, extraArgs(port as number));
      return (await redis.spawn()) ? redis : addressInUse;
    });
  }

  /** Starts it again on the same port, after `kill()`. */
  async restart(): Promise<void> {
    if (!(await this.spawn())) throw new Error(`redis-server could not bind port ${this.port} again: another process took it`);
  }

  /** Resolves true once it accepts connections, false when its port was taken; throws on any other exit. */
  private spawn(): Promise<boolean> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.args];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    return new Promise((resolve, reject) => {
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve(true);
      });
      child.once('exit', (code) => {
        if (output.includes('Address already in use')) resolve(false);
        else reject(new Error(`redis-server exited with ${String(code)}: ${output}`));
      });
    });
  }

  kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }
}

/**
 * A private Redis Cluster of `size` masters on free ports (each also needs port + 10000 for its bus),
 * created with `redis-cli --cluster create`. Never touches the shared Redis.
 */
export class PrivateRedisCluster {
  private constructor(readonly nodes: readonly PrivateRedis[]) {}

  get url(): string {
    return (this.nodes[0] as PrivateRedis).url;
  }

  static async start(size = 3): Promise<PrivateRedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'portier-cluster-'));
    const nodes: PrivateRedis[] = [];
    const clusterArgs = (port: number): string[] => ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir];
    const portAndBus = (): Promise<readonly ReservedPort[]> => reservePortPair(10_000);
    for (let i = 0; i < size; i++) nodes.push(await PrivateRedis.create(clusterArgs, portAndBus));
    const cluster = new PrivateRedisCluster(nodes);
    const hosts = nodes.map((node) => `127.0.0.1:${node.port}`);
    const created = await run('redis-cli', ['--cluster', 'create', ...hosts, '--cluster-replicas', '0', '--cluster-yes']);
    if (created.code !== 0) {
      await cluster.stop();
      throw new Error(`redis-cli --cluster create failed: ${created.output}`);
    }
    // Slots spread to the nodes by gossip: only asking tells when that is done.
    try {
      await waitFor(async () => (await run('redis-cli', ['-p', String(nodes[0]?.port), 'cluster', 'info'])).output, {
        what: 'the private Redis Cluster reaching cluster_state:ok',
        until: (info) => info.includes('cluster_state:ok'),
        intervalMs: 100,
      });
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.kill()));
  }
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}
