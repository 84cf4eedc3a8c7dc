import { readFileSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { configWarnings } from '../config/config-warnings.js';
import type { PortierConfig } from '../config/config-types.js';
import { listenFailureLines } from './listen-failure.js';
import { createGateway, type Gateway } from '../server/create-gateway.js';
import { StoreOpenError } from '../accounts/store/open-database.js';

/**
 * Starts a gateway and wires SIGTERM/SIGINT to a graceful shutdown. Exits with status 1 (and the
 * catalog's `listen_failed` text) when the port cannot be opened, and with status 1 and one line when
 * a store it needs cannot be opened (a SQLite file in a folder the user cannot write).
 */
export async function runGateway(config: PortierConfig, onStop?: () => Promise<void>, options: RunOptions = {}): Promise<{ gateway: Gateway; url: string }> {
  refuseAppRoutes(config);
  let gateway: Gateway;
  try {
    gateway = createGateway(config, options.configFile === undefined ? {} : { configFile: options.configFile });
  } catch (error) {
    process.stderr.write(`the gateway cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    // A store that cannot be opened is the user's to fix, and one line says it; anything else is our bug, and its stack is what to report.
    if (!(error instanceof StoreOpenError) && error instanceof Error && error.stack !== undefined) process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  }
  let url: string;
  try {
    url = await gateway.listen();
  } catch (error) {
    // Node names the address it could not open: the front port's or the admin API's.
    const failed = error as { address?: unknown; port?: unknown } | null;
    const address = typeof failed?.address === 'string' && typeof failed.port === 'number' ? `${failed.address}:${failed.port}` : `${config.server.host}:${config.server.port}`;
    for (const line of listenFailureLines(address, error)) process.stderr.write(`${line}\n`);
    await gateway.shutdown(0);
    process.exit(1);
  }
  let unwatch: (() => void) | undefined;
  const stop = (signal: string): void => {
    gateway.logger.info({ signal }, 'shutting down');
    // A file saved while draining is no reload to try.
    unwatch?.();
    void gateway
      .shutdown()
      .then(() => onStop?.())
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  if (options.configFile !== undefined) {
    // SIGHUP reloads the file; a refused one is logged with its problems and the running config stays.
    process.on('SIGHUP', () => {
      gateway.logger.info({ signal: 'SIGHUP' }, 'reloading the config');
      void gateway.reload();
    });
    if (options.watch === true) unwatch = watchConfig(options.configFile, gateway);
  }
  for (const warning of configWarnings(config)) gateway.logger.warn({ path: warning.path }, warning.message);
  gateway.logger.info({ url, adminUrl: gateway.adminUrl }, 'listening');
  gateway.logger.flush();
  return { gateway, url };
}

export interface RunOptions {
  /** The file the config came from: SIGHUP, `portier reload` and `POST /admin/reload` read it again. */
  readonly configFile?: string;
  /** Reload when the file changes (`portier start --watch`). */
  readonly watch?: boolean;
}

/** How long the file must stay quiet after a change before it is reloaded (editors write in steps). */
const watchDebounceMs = 300;

/**
 * Reloads on every change of the config file, debounced. The folder is watched, not the file: editors
 * and Kubernetes ConfigMaps replace the file (a rename, a new symlink), which ends a watch on the file
 * itself. A change that leaves the text as it was is not a reload. Returns how to stop watching.
 */
function watchConfig(file: string, gateway: Gateway): () => void {
  const name = basename(file);
  let last = textOf(file);
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dirname(resolve(file)), (_event, changed) => {
    // ConfigMaps swap a `..data` link beside the file: any change in the folder may be the file's.
    if (changed !== null && changed !== name && !changed.startsWith('..')) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const text = textOf(file);
      if (text === last) return;
      last = text;
      gateway.logger.info({ file }, 'config file changed: reloading');
      void gateway.reload();
    }, watchDebounceMs).unref();
  });
  watcher.on('error', (error) => gateway.logger.error({ err: error, file }, 'watching the config file failed: reload with SIGHUP or `portier reload`'));
  watcher.unref();
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}

function textOf(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** A route the app answers (`app: true`) has no upstream to forward to: such a config runs inside the app, not here. Exits with status 2. */
function refuseAppRoutes(config: PortierConfig): void {
  const indexes = config.routes.flatMap((route, index) => (route.app === true ? [index] : []));
  if (indexes.length === 0) return;
  for (const index of indexes) {
    process.stderr.write(`routes[${index}] (${config.routes[index]?.id ?? ''}): answered by the app (\`app: true\`): run this config inside the app with portier/express, portier/fastify or portier/hono; the gateway needs an upstream for every route\n`);
  }
  process.exit(2);
}

