import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { AccountAdmin } from '../admin/account-admin.js';
import { openAccountStore } from '../accounts/store/open-account-store.js';
import type { AccountStore } from '../accounts/store/account-store.js';
import { systemClock } from '../clock.js';
import type { AuthConfig, PortierConfig } from '../config/config-types.js';
import { buildErrorView } from '../envelopes/error-view.js';
import { PortierError } from '../errors/portier-error.js';

export type LoadConfig = (file: string) => PortierConfig;

export interface CommonOptions {
  config: string;
  json?: boolean;
}

/**
 * `portier accounts …`, `portier keys …` and `portier audit`: administration straight on the store
 * named in the config. A running gateway sees the change within half a second.
 */
export function registerAdminCommands(program: Command, loadConfig: LoadConfig): void {
  const accounts = program.command('accounts').description('manage accounts');
  withCommon(accounts.command('create').description('create an account').requiredOption('--name <name>', 'account name').requiredOption('--plan <plan>', 'plan name (from the config)'))
    .action(run(loadConfig, async (admin, options: CommonOptions & { name: string; plan: string }) => {
      const account = await admin.createAccount(options.name, options.plan);
      return { json: account, text: `created account ${account.id} (${account.name}, plan ${account.plan})` };
    }));
  withCommon(accounts.command('list').description('list accounts')).action(
    run(loadConfig, async (admin) => {
      const list = await admin.listAccounts();
      return { json: list, text: table(['id', 'name', 'plan', 'status', 'created'], list.map((a) => [a.id, a.name, a.plan, a.status, iso(a.createdAt)])) };
    }),
  );
  withCommon(accounts.command('show').description('show an account and its keys').argument('<id>', 'account id')).action(
    run(loadConfig, async (admin, _options, id: string) => {
      const { account, keys, entities } = await admin.showAccount(id);
      const head = `${account.id}  ${account.name}  plan ${account.plan}  ${account.status}  created ${iso(account.createdAt)}`;
      const usage = Object.entries(entities).map(([entity, count]) => `${entity}: ${count}`).join(', ') || 'no entities counted';
      return { json: { account, keys, entities }, text: `${head}\n${usage}\n\n${keyTable(keys)}` };
    }),
  );
  for (const [name, status] of [['disable', 'disabled'], ['enable', 'active']] as const) {
    withCommon(accounts.command(name).description(`${name} an account`).argument('<id>', 'account id')).action(
      run(loadConfig, async (admin, _options, id: string) => {
        const account = await admin.setStatus(id, status);
        return { json: account, text: `account ${account.id} is ${account.status}` };
      }),
    );
  }
  withCommon(accounts.command('set-plan').description('move an account to another plan').argument('<id>', 'account id').argument('<plan>', 'plan name')).action(
    run(loadConfig, async (admin, _options, id: string, plan: string) => {
      const account = await admin.setPlan(id, plan);
      return { json: account, text: `account ${account.id} is on plan ${account.plan}` };
    }),
  );

  withCommon(
    accounts
      .command('set-count')
      .description("set an entity count by hand, to match what the backend holds")
      .argument('<id>', 'account id')
      .argument('<entity>', 'entity name, as in the plans')
      .argument('<count>', 'the count'),
  ).action(
    run(loadConfig, async (admin, _options, id: string, entity: string, count: string) => {
      if (!/^\d+$/.test(count)) throw new UsageError(`count: "${count}" is not a whole number`);
      const entities = await admin.setEntityCount(id, entity, Number(count));
      return { json: entities, text: `account ${id}: ${entity} = ${entities[entity] ?? 0}` };
    }),
  );

  accounts
    .command('usage')
    .description("show how much of its plan's rate limits an account has used (asks the running gateway's admin API)")
    .argument('<id>', 'account id')
    .option('-c, --config <file>', 'configuration file', 'portier.yaml')
    .option('--param <name=value...>', 'value of a route parameter that limits count by, e.g. base=b1')
    .option('--json', 'print JSON for scripts')
    .action(async (id: string, options: { config: string; param?: string[]; json?: boolean }) => {
      const config = loadConfig(options.config);
      if (config.admin === undefined || config.admin.port === 0) {
        process.stderr.write(`${options.config} has no admin section with a fixed port: usage lives in the running gateway, ask it through its admin API\n`);
        process.exit(2);
      }
      const query = new URLSearchParams((options.param ?? []).map((pair) => pair.split('=', 2) as [string, string]));
      const url = `http://${config.admin.host}:${config.admin.port}/admin/accounts/${encodeURIComponent(id)}/usage?${query}`;
      let response: Response;
      try {
        response = await fetch(url, { headers: { authorization: `Bearer ${config.admin.token}` } });
      } catch {
        process.stderr.write(`the gateway's admin API does not answer at ${config.admin.host}:${config.admin.port}; is the gateway running?\n`);
        process.exit(1);
      }
      const body = (await response.json()) as { code?: string; detail?: string; limits?: UsageRow[] };
      if (!response.ok) {
        process.stderr.write(`${body.code ?? response.status}: ${body.detail ?? ''}\n`);
        process.exit(1);
      }
      const rows = body.limits ?? [];
      const text = table(
        ['limit', 'window', 'subject', 'used', 'remaining', 'resets'],
        rows.map((row) => [row.name, row.window, Object.values(row.subject).join(' '), `${row.used ?? '?'}/${row.limit}`, String(row.remaining ?? '?'), row.resetAt ?? '?']),
      );
      process.stdout.write(options.json === true ? `${JSON.stringify(body, null, 2)}\n` : `${text}\n`);
    });

  const keys = program.command('keys').description('manage API keys');
  withCommon(
    keys
      .command('create')
      .description('create an API key; the key is printed once')
      .requiredOption('--account <id>', 'account id')
      .requiredOption('--name <name>', 'what the key is for')
      .option('--scopes <list>', 'comma-separated scopes, e.g. rows:read,rows:write')
      .option('--bind <list>', 'comma-separated resource values the key is limited to')
      .option('--expires <date>', 'expiry, ISO 8601'),
  ).action(
    run(loadConfig, async (admin, options: CommonOptions & { account: string; name: string; scopes?: string; bind?: string; expires?: string }) => {
      const expiresAt = options.expires === undefined ? undefined : Date.parse(options.expires);
      if (expiresAt !== undefined && Number.isNaN(expiresAt)) throw new UsageError(`--expires: "${options.expires}" is not an ISO 8601 date`);
      const issued = await admin.createKey({
        accountId: options.account,
        name: options.name,
        scopes: list(options.scopes),
        bindings: list(options.bind),
        ...(expiresAt === undefined ? {} : { expiresAt }),
      });
      return { json: issued, text: `${issued.secret}\n\nkey ${issued.key.id} created. This is the only time the key is shown: store it now.` };
    }),
  );
  withCommon(keys.command('list').description("list an account's keys").requiredOption('--account <id>', 'account id')).action(
    run(loadConfig, async (admin, options: CommonOptions & { account: string }) => {
      const list = await admin.listKeys(options.account);
      return { json: list, text: keyTable(list) };
    }),
  );
  withCommon(keys.command('revoke').description('revoke a key at once').argument('<keyId>', 'key id')).action(
    run(loadConfig, async (admin, _options, id: string) => {
      const key = await admin.revokeKey(id);
      return { json: key, text: `key ${key.id} is ${key.status}` };
    }),
  );
  withCommon(keys.command('rotate').description('issue a replacement; the old key works for the grace period').argument('<keyId>', 'key id')).action(
    run(loadConfig, async (admin, _options, id: string) => {
      const issued = await admin.rotateKey(id);
      return { json: issued, text: `${issued.secret}\n\nkey ${issued.key.id} replaces ${id}. This is the only time the key is shown: store it now.` };
    }),
  );
  withCommon(program.command('audit').description('show the audit trail, newest first').option('--limit <n>', 'entries', '50')).action(
    run(loadConfig, async (admin, options: CommonOptions & { limit: string }) => {
      const entries = await admin.listAudit(Number(options.limit) || 50);
      return {
        json: entries,
        text: table(['at', 'actor', 'action', 'subject'], entries.map((e) => [iso(e.at), e.actor, e.action, e.subject])),
      };
    }),
  );
}

export class UsageError extends Error {}

interface UsageRow {
  name: string;
  window: string;
  limit: number;
  used: number | null;
  remaining: number | null;
  resetAt: string | null;
  subject: Record<string, string>;
}

type Handler<O> = (admin: AccountAdmin, options: O, ...args: string[]) => Promise<{ json: unknown; text: string }>;

function run<O extends CommonOptions>(loadConfig: LoadConfig, handler: Handler<O>) {
  return runWith<AccountStore, O>(
    loadConfig,
    (config, file) => {
      if (config.auth === undefined) return `${file} has no auth section: there are no accounts or keys to manage`;
      return openAccountStore(config.auth.store, systemClock);
    },
    (store, config, options, args) => handler(new AccountAdmin(store, config as PortierConfig & { auth: AuthConfig }, `cli:${userInfo().username}`), options, ...args),
  );
}

/**
 * A CLI action on a store the config names: opens it (or exits 2 with the reason `open` returns, or 1
 * with the one line of an open that failed: a file the user cannot write, a server that refuses),
 * runs `handler`, prints its JSON or text, reports a catalogued failure, and always closes the store.
 */
export function runWith<S extends { close(): void }, O extends CommonOptions>(
  loadConfig: LoadConfig,
  open: (config: PortierConfig, file: string) => S | string,
  handler: (store: S, config: PortierConfig, options: O, args: string[]) => Promise<{ json: unknown; text: string }> | { json: unknown; text: string },
) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const options = command.opts<O>();
    const config = loadConfig(options.config);
    let store: S | string;
    try {
      store = open(config, options.config);
    } catch (error) {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    }
    if (typeof store === 'string') {
      process.stderr.write(`${store}\n`);
      process.exit(2);
    }
    try {
      const result = await handler(store, config, options, args.slice(0, -2) as string[]);
      process.stdout.write(options.json === true ? `${JSON.stringify(result.json, null, 2)}\n` : `${result.text}\n`);
    } catch (error) {
      reportFailure(error, options.json === true);
      process.exitCode = error instanceof UsageError ? 2 : 1;
    } finally {
      store.close();
    }
  };
}

export function reportFailure(error: unknown, json: boolean): void {
  if (error instanceof PortierError) {
    const view = buildErrorView(error, { correlationId: '', instance: '', typeBaseUrl: '', gatewayService: 'portier', warnings: [] });
    process.stderr.write(json ? `${JSON.stringify({ code: view.code, status: view.status, detail: view.detail })}\n` : `${view.code}: ${view.detail}\n`);
    return;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`);
    return;
  }
  throw error;
}

export function withCommon(command: Command): Command {
  return command.option('-c, --config <file>', 'configuration file', 'portier.yaml').option('--json', 'print JSON for scripts');
}

function list(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

function keyTable(keys: readonly { id: string; display: string; name: string; status: string; scopes: readonly string[]; lastUsedAt: string | null }[]): string {
  if (keys.length === 0) return '(no keys)';
  return table(['id', 'key', 'name', 'status', 'scopes', 'last used'], keys.map((k) => [k.id, k.display, k.name, k.status, k.scopes.join(',') || '-', k.lastUsedAt ?? 'never']));
}

export function table(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return '(none)';
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
