import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressInUse, reservePort, startOnReservedPort } from './ports.js';

/** The newest PostgreSQL server binaries on this machine (Debian layout); fails loudly when absent. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((name) => existsSync(join(root, name, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error(`fault tests need PostgreSQL server binaries (initdb, pg_ctl) under ${root}`);
  return join(root, newest, 'bin');
}

/** Runs a PostgreSQL binary, as the `postgres` user when we are root (initdb and postgres refuse root). */
function run(binary: string, args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const path = join(binDir(), binary);
  const [command, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, [...args]];
  return new Promise((resolve) => {
    const child = spawn(command as string, argv as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * A private PostgreSQL cluster in a temp dir, on a port of its own, for fault tests that stop and restart
 * the server: never the shared one. Trust auth for user `postgres`, database `postgres`.
 */
export class PrivatePostgres {
  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async create(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'portier-pg-'));
    if (process.getuid?.() === 0) {
      const ids = await idsOf('postgres');
      chownSync(dir, ids.uid, ids.gid);
    }
    const init = await run('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-instructions']);
    if (init.code !== 0) throw new Error(`initdb failed: ${init.output}`);
    // PostgreSQL must be told its port: it stays reserved until just before the start, and another one
    // is tried when some other process took it in that gap.
    return startOnReservedPort(
      async () => [await reservePort()],
      async ([port]) => {
        const server = new PrivatePostgres(dir, port as number);
        return (await server.tryStart()) ? server : addressInUse;
      },
    );
  }

  /** Starts it again on the same port, after `stop()`. */
  async start(): Promise<void> {
    if (!(await this.tryStart())) throw new Error(`the private PostgreSQL could not bind port ${this.port} again: another process took it`);
  }

  /** Stops the server (fast shutdown: open connections are closed). */
  async stop(): Promise<void> {
    const stopped = await run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
    if (stopped.code !== 0) throw new Error(`pg_ctl stop failed: ${stopped.output}`);
  }

  async destroy(): Promise<void> {
    await run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** True once it accepts connections, false when its port was taken; throws on any other failure. */
  private async tryStart(): Promise<boolean> {
    const log = join(this.dir, 'log');
    const logBefore = existsSync(log) ? readFileSync(log, 'utf8').length : 0;
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    const started = await run('pg_ctl', ['-D', join(this.dir, 'data'), '-o', options, '-l', log, '-w', '-t', '30', 'start']);
    if (started.code === 0) return true;
    const logged = existsSync(log) ? readFileSync(log, 'utf8').slice(logBefore) : '';
    if (logged.includes('Address already in use')) return false;
    throw new Error(`pg_ctl start failed on port ${this.port}: ${started.output}\n${logged}`);
  }
}

function idsOf(user: string): Promise<{ uid: number; gid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('id', [user], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', () => {
      const uid = /uid=(\d+)/.exec(output)?.[1];
      const gid = /gid=(\d+)/.exec(output)?.[1];
      if (uid === undefined || gid === undefined) reject(new Error(`no user ${user}: ${output}`));
      else resolve({ uid: Number(uid), gid: Number(gid) });
    });
  });
}
