// Starting the bench's servers: each pinned to a core when taskset is there, optionally under a
// wrapper (valgrind), ready once it prints the port it listens on (or Portier's startup log line).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
/** Servers run on this core, the load generator and the upstream on the other. */
export const serverCore = '1';
export const loadCore = '0';

export interface Running {
  readonly child: ChildProcess;
  readonly url: string;
}

/** Starts `node <args>` (after `wrapper`, if given) pinned to `core` and waits until it says where it listens. */
export function startProcess(args: readonly string[], core: string, wrapper: readonly string[] = []): Promise<Running> {
  const command = [...wrapper, process.execPath, ...args];
  const pinned = hasTaskset ? ['taskset', '-c', core, ...command] : command;
  const child = spawn(pinned[0] as string, pinned.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-4000);
  });
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
        child.removeListener('exit', onExit);
        resolve({ child, url: url ?? `http://127.0.0.1:${port}` });
      }
    };
    const onExit = (code: number | null): void => reject(new Error(`${command.join(' ')} exited with ${String(code)}\n${errors}`));
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Pins this process (the load generator) to the load core. */
export function pinSelf(): void {
  if (hasTaskset) spawnSync('taskset', ['-p', '-c', loadCore, String(process.pid)]);
}
