import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { within } from './wait-for.js';

/** The compiled CLI; `npm test` builds it before the tests run. */
export const cliPath = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, input = ''): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env } });
    // Standard input ends (after `input`), so a command that reads it never waits for a terminal.
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface RunningCli {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  /** Resolves once the output so far (stdout and stderr) contains `text`; fails naming it after a timeout. */
  printed(text: string, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/**
 * Starts `portier start` and waits for its "listening" log line; a child that never says it listens is
 * killed after `timeoutMs`, so a failing test leaves no gateway behind.
 */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, listening = /"url":"(http:[^"]+)","msg":"listening"/, timeoutMs = 20_000): Promise<RunningCli> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env } });
    let output = '';
    const watchers = new Set<() => void>();
    const printed = (text: string, waitMs?: number): Promise<void> => {
      if (output.includes(text)) return Promise.resolve();
      let watch: () => void = () => undefined;
      const seen = new Promise<void>((done) => {
        watch = () => {
          if (output.includes(text)) done();
        };
        watchers.add(watch);
      });
      return within(seen, `portier printing ${JSON.stringify(text)}`, waitMs).finally(() => watchers.delete(watch));
    };
    const exited = new Promise<number | null>((done) => child.on('close', done));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`portier did not log "listening" within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      for (const watch of watchers) watch();
      const match = listening.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ child, url: match[1] as string, output: () => output, printed, exited });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const watch of watchers) watch();
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`portier exited with ${String(code)} before listening:\n${output}`));
    });
  });
}
