import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AccountAdmin, createGateway, formatConfigProblem, loadConfigFile, listenFailureLines, type Gateway, type PortierConfig } from 'portier';

export interface ExampleBackend {
  readonly url: string;
  close(): Promise<void>;
}

export interface RunningExample {
  readonly gateway: Gateway;
  readonly url: string;
  readonly config: PortierConfig;
  readonly admin: AccountAdmin;
  close(): Promise<void>;
}

/** What a test or the start script may choose: the port (0 for a free one) and a clock to move by hand. */
export interface ExampleOptions {
  readonly port?: number;
  readonly clock?: { now(): number };
}

/**
 * Starts an example: its backend is already up; Portier is started in front of it from the portier.yaml
 * beside the example's module (`moduleUrl`: its `import.meta.url`), with `<backendUrlVar>` pointing at the
 * backend, a throwaway SQLite file, and an admin to create accounts and keys with.
 */
export async function startExample(options: ExampleOptions & {
  readonly moduleUrl: string;
  readonly backend: ExampleBackend;
  readonly backendUrlVar: string;
}): Promise<RunningExample> {
  const env = {
    ...process.env,
    PORT: String(options.port ?? process.env['PORT'] ?? 8080),
    [options.backendUrlVar]: options.backend.url,
    PORTIER_EXAMPLE_DB: join(mkdtempSync(join(tmpdir(), 'portier-example-')), 'portier.db'),
  };
  const loaded = loadConfigFile(join(dirname(fileURLToPath(options.moduleUrl)), 'portier.yaml'), env);
  if (!loaded.ok) {
    await options.backend.close();
    throw new Error(loaded.problems.map(formatConfigProblem).join('\n'));
  }
  const config = loaded.config;
  const gateway = createGateway(config, options.clock === undefined ? {} : { clock: options.clock });
  const url = await gateway.listen();
  const keys = gateway.keys;
  if (keys === undefined || config.auth === undefined) throw new Error('an example needs its auth section');
  const admin = new AccountAdmin(keys.store, config as PortierConfig & { auth: NonNullable<PortierConfig['auth']> }, 'example', () => keys.invalidate());
  return {
    gateway,
    url,
    config,
    admin,
    close: async () => {
      await gateway.shutdown(0);
      await options.backend.close();
    },
  };
}

/**
 * Runs `main` when the file is executed directly (`tsx examples/<api>/start.ts`), stopping on Ctrl-C.
 * A start that fails exits 1 with what `portier start` would say: `listen_failed` and its hints when
 * the port is taken (the demo of `npm start` still running on 8080), else the error's message.
 */
export function runIfMain(moduleUrl: string, main: () => Promise<{ close(): Promise<void> }>): void {
  if (process.argv[1] === undefined || fileURLToPath(moduleUrl) !== resolve(process.argv[1])) return;
  main().then(
    (running) => {
      const stop = (): void => void running.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: unknown) => {
      process.stderr.write(`${startFailure(error)}\n`);
      process.exit(1);
    },
  );
}

function startFailure(error: unknown): string {
  const { code, address, port, message } = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (code !== 'EADDRINUSE' && code !== 'EACCES') return error instanceof Error ? message : String(error);
  return listenFailureLines(`${address ?? '?'}:${port ?? '?'}`, error).join('\n');
}

/** Prints an example's guide: its lines, then how to stop it. */
export function printGuide(lines: readonly string[]): void {
  process.stdout.write([...lines, '', 'Ctrl-C stops it.', ''].join('\n'));
}
