import type { Command } from 'commander';
import { systemClock } from '../clock.js';
import { portierError } from '../errors/portier-error.js';
import { describeOperation } from '../operations/describe-operation.js';
import { openOperationQueue } from '../operations/open-operation-queue.js';
import type { OperationQueue } from '../operations/operation-queue.js';
import { Operations } from '../operations/operations.js';
import { runWith, table, UsageError, withCommon, type CommonOptions, type LoadConfig } from './admin-commands.js';

type Options = CommonOptions;
type Handler<O> = (operations: Operations, options: O, ...args: string[]) => Promise<{ json: unknown; text: string }>;

/** `portier operations …`: the async queue as operators see it, read straight from its SQLite file. */
export function registerOperationCommands(program: Command, loadConfig: LoadConfig): void {
  const operations = program.command('operations').description('inspect the queue of asynchronous operations');
  withCommon(operations.command('stats').description('queue depth by status, operations being forwarded, age of the oldest pending one')).action(
    run(loadConfig, async (ops) => {
      const stats = await ops.store.stats(systemClock.now());
      const rows = Object.entries(stats.byStatus).map(([status, count]) => [status, String(count)]);
      const text = `${table(['status', 'operations'], rows)}\n\nbeing forwarded now: ${stats.running}\noldest pending: ${stats.oldestPendingSeconds} s\nwebhooks to deliver: ${stats.webhooksPending}`;
      return { json: stats, text };
    }),
  );
  withCommon(
    operations
      .command('list')
      .description("an account's operations, newest first")
      .requiredOption('--account <id>', 'account id')
      .option('--limit <n>', 'how many', '50'),
  ).action(
    run(loadConfig, async (ops, options: Options & { account: string; limit: string }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit: "${options.limit}" is not a positive whole number`);
      const items = (await ops.store.list(options.account, {}, limit, undefined)).items.map((operation) => describeOperation(ops, operation));
      const text = table(
        ['id', 'route', 'status', 'attempts', 'requested', 'result'],
        items.map((item) => [String(item['id']), String(item['route']), String(item['status']), String(item['attempts']), String(item['requestedAt']), String(item['resultStatus'] ?? item['error'] ?? '-')]),
      );
      return { json: items, text };
    }),
  );
  withCommon(operations.command('show').description('one operation').argument('<id>', 'operation id')).action(
    run(loadConfig, async (ops, _options, id: string) => {
      const operation = await ops.store.get(id);
      if (operation === undefined) throw portierError('operation_not_found', { operationId: id });
      const described = describeOperation(ops, operation);
      return { json: described, text: Object.entries(described).map(([name, value]) => `${name}: ${value === null ? '-' : String(value)}`).join('\n') };
    }),
  );
}

function run<O extends Options>(loadConfig: LoadConfig, handler: Handler<O>) {
  return runWith<OperationQueue, O>(
    loadConfig,
    (config, file) => {
      if (!config.routes.some((route) => route.async !== undefined)) return `${file} has no async routes: there is no operation queue`;
      return openOperationQueue(config, systemClock);
    },
    (store, config, options, args) => handler(new Operations(store, config), options, ...args),
  );
}
