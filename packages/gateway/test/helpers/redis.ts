import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

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

  constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[] = [],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.extraArgs];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${String(code)}: ${output}`)));
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
    for (let i = 0; i < size; i++) {
      const port = await freeClusterPort();
      const node = new PrivateRedis(port, ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir]);
      await node.start();
      nodes.push(node);
    }
    const cluster = new PrivateRedisCluster(nodes);
    const hosts = nodes.map((node) => `127.0.0.1:${node.port}`);
    const created = await run('redis-cli', ['--cluster', 'create', ...hosts, '--cluster-replicas', '0', '--cluster-yes']);
    if (created.code !== 0) {
      await cluster.stop();
      throw new Error(`redis-cli --cluster create failed: ${created.output}`);
    }
    for (let i = 0; i < 100; i++) {
      const info = await run('redis-cli', ['-p', String(nodes[0]?.port), 'cluster', 'info']);
      if (info.output.includes('cluster_state:ok')) return cluster;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await cluster.stop();
    throw new Error('the private Redis Cluster did not reach cluster_state:ok');
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.kill()));
  }
}

async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port < 55_000) return port;
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
