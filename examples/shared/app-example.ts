import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AccountAdmin, type PortierConfig } from 'portier';

/** What the embedded Portier of every example app exposes for making the demo account and keys. */
interface EmbeddedStore {
  readonly config: PortierConfig;
  readonly keys: { readonly store: ConstructorParameters<typeof AccountAdmin>[0]; invalidate(): void } | undefined;
}

/** The demo account's keys: one that may create projects, one that may only read. */
export interface DemoKeys {
  readonly key: string;
  readonly readKey: string;
}

/** An example app started: where it listens, its demo keys, and how to stop it. */
export interface RunningApp {
  readonly url: string;
  readonly keys: DemoKeys;
  close(): Promise<void>;
}

/** The portier.yaml beside an example's module, and the env its `${VAR}`s read: a throwaway SQLite file. */
export function exampleConfig(moduleUrl: string): { readonly file: string; readonly env: NodeJS.ProcessEnv } {
  return {
    file: join(dirname(fileURLToPath(moduleUrl)), 'portier.yaml'),
    env: { ...process.env, PORTIER_EXAMPLE_DB: process.env['PORTIER_EXAMPLE_DB'] ?? join(mkdtempSync(join(tmpdir(), 'portier-app-')), 'portier.db') },
  };
}

/** The port to listen on: `PORT` (0 for a free one), else 3000. */
export function examplePort(): number {
  return Number(process.env['PORT'] ?? 3000);
}

/** Creates the demo account on the free plan and its two keys, on the store the app's Portier uses (as `portier accounts create` would). */
export async function createDemoKeys(portier: EmbeddedStore): Promise<DemoKeys> {
  const keys = portier.keys;
  if (keys === undefined || portier.config.auth === undefined) throw new Error('an example app needs its auth section');
  const admin = new AccountAdmin(keys.store, portier.config as PortierConfig & { auth: NonNullable<PortierConfig['auth']> }, 'example', () => keys.invalidate());
  const account = await admin.createAccount('Demo team', 'free');
  const key = (await admin.createKey({ accountId: account.id, name: 'demo writer', scopes: ['projects:write'] })).secret;
  const readKey = (await admin.createKey({ accountId: account.id, name: 'demo reader', scopes: [] })).secret;
  return { key, readKey };
}

/** An app's node:http server (not yet listening) listening on 127.0.0.1, with the demo keys made and a close that stops both. */
export async function listenApp(server: Server, port: number, portier: EmbeddedStore & { close(): Promise<void> }): Promise<RunningApp> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    keys: await createDemoKeys(portier),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await portier.close();
    },
  };
}
