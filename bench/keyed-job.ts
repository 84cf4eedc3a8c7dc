// The full job's set-up and load, shared by the benches that measure it (instructions, cpu-profile,
// gc-survival): the bench upstream, Portier's bench config and store, and `keyCount` keys in it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { writePortierConfig } from './portier-config.js';
import { loadCore, pinSelf, startProcess, type Running } from './processes.js';
import { seedKeys, writeKeysFile } from './seed-keys.js';

/** What a bench of the full job runs against: everything but the server it measures. */
export interface KeyedJob {
  /** The job's temp folder (config, store, keys file); bench/instructions.ts keeps its dumps there. */
  readonly dir: string;
  readonly upstream: Running;
  readonly configFile: string;
  readonly keys: readonly string[];
  /** The keys, one a line, for the floor and the embedded servers. */
  readonly keysFile: string;
  /** Stops the upstream and removes the folder (`keep`: leaves it, to read what is in it). */
  close(keep?: boolean): void;
}

/** Pins this process to the load core, starts the upstream there and seeds the store. */
export async function openKeyedJob(name: string, keyCount: number): Promise<KeyedJob> {
  pinSelf();
  const dir = mkdtempSync(join(tmpdir(), `portier-${name}-`));
  const upstream = await startProcess(['--import', 'tsx', 'bench/upstream.ts', '0'], loadCore);
  try {
    const configFile = writePortierConfig(upstream.url, dir);
    const keys = await seedKeys(configFile, keyCount);
    return {
      dir,
      upstream,
      configFile,
      keys,
      keysFile: writeKeysFile(dir, keys),
      close(keep = false): void {
        upstream.child.kill('SIGTERM');
        if (!keep) rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    upstream.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * `count` GETs of `path` over `connections` keep-alive connections, each with the next key of `keys`
 * (cycled, from the one at `first`), bodies read and dropped. Fails on any answer that is not 2xx, with the count of each status
 * seen, so that a bench never measures refusals by mistake.
 */
export async function loadKeyed(url: string, path: string, keys: readonly string[], count: number, connections: number, first = 0): Promise<void> {
  const pool = new Pool(url, { connections, pipelining: 1 });
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const key = keys[(first + next++) % keys.length] as string;
      const { statusCode, body } = await pool.request({ method: 'GET', path, headers: { authorization: `Bearer ${key}` } });
      await body.dump();
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  await pool.close();
  const bad = [...statuses].filter(([status]) => status < 200 || status >= 300);
  if (bad.length > 0) throw new Error(`answers that were not 2xx: ${bad.map(([status, n]) => `${n} x ${status}`).join(', ')}`);
}
