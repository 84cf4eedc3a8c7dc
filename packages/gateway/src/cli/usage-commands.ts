import type { Command } from 'commander';
import { systemClock } from '../clock.js';
import { openUsageStore } from '../usage/open-usage-store.js';
import { byPeriod, parseWhen, toCsv, toJson, toJsonLines, type ExportPeriod } from '../usage/usage-export.js';
import type { LoadConfig } from './admin-commands.js';

const formats = { csv: toCsv, json: toJson, jsonl: toJsonLines } as const;
const periods: readonly ExportPeriod[] = ['minute', 'hour', 'day'];

interface ExportOptions {
  config: string;
  from: string;
  to?: string;
  format: string;
  account?: string;
  per: string;
}

/**
 * `portier usage export`: the usage rows the gateways flushed to the deployment's store, for billing.
 * Read straight from the store: what a running gateway has not flushed yet (at most `usage.flushInterval`)
 * is not in it.
 */
export function registerUsageCommands(program: Command, loadConfig: LoadConfig): void {
  const usage = program.command('usage').description('usage metering: what was answered, per account, key, route and minute');
  usage
    .command('export')
    .description('print the usage rows of a time range as CSV or JSON, for billing')
    .requiredOption('--from <when>', 'start (included): ISO 8601 date or time, or a duration back from now (7d, 36h)')
    .option('--to <when>', 'end (excluded): ISO 8601 date or time, or a duration back from now; default now')
    .option('--format <format>', 'csv (with a header row), json (one array) or jsonl (one object per line)', 'csv')
    .option('--account <id>', 'only this account')
    .option('--per <period>', 'sum rows per minute (as stored), hour or day (UTC)', 'minute')
    .option('-c, --config <file>', 'configuration file', 'portier.yaml')
    .action(async (options: ExportOptions) => {
      const now = systemClock.now();
      const from = parseWhen(options.from, now);
      const to = options.to === undefined ? now : parseWhen(options.to, now);
      const format = formats[options.format as keyof typeof formats] as (typeof formats)[keyof typeof formats] | undefined;
      const per = periods.find((period) => period === options.per);
      const problem =
        from === undefined ? `--from: "${options.from}" is neither an ISO 8601 date nor a duration such as 7d`
        : to === undefined ? `--to: "${options.to ?? ''}" is neither an ISO 8601 date nor a duration such as 7d`
        : format === undefined ? `--format: "${options.format}" is not csv, json or jsonl`
        : per === undefined ? `--per: "${options.per}" is not minute, hour or day`
        : from >= to ? '--from must be before --to'
        : undefined;
      if (problem !== undefined || from === undefined || to === undefined || format === undefined || per === undefined) {
        process.stderr.write(`${problem ?? 'invalid options'}\n`);
        process.exit(2);
      }
      const config = loadConfig(options.config);
      let store;
      try {
        store = openUsageStore(config, systemClock);
      } catch (error) {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      }
      if (store === undefined) {
        process.stderr.write(`${options.config} has no store for usage (no usage.sqlitePath and no auth section)\n`);
        process.exit(2);
      }
      try {
        const rows = await store.rows({ from, to, ...(options.account === undefined ? {} : { account: options.account }) });
        process.stdout.write(format(byPeriod(rows, per)));
      } catch (error) {
        process.stderr.write(`the usage store could not be read: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
      } finally {
        store.close();
      }
    });
}
