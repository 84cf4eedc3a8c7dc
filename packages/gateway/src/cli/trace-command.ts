import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';

/** A log line, as the gateway writes them (pino JSON, one per line). */
type LogLine = Record<string, unknown>;

/**
 * `portier trace <correlation-id>`: what the gateway logged about one request, in order: the request
 * line (route, status, catalog code, account and key id, timings), an unexpected error with its cause,
 * and for an async request each background attempt of its operation. The ID is the one every answer
 * carries and every error body repeats, so a caller's support request finds its way back here.
 */
export function registerTraceCommand(program: Command): void {
  program
    .command('trace')
    .description('show what the log says about one request, by its correlation ID (the async work it started included)')
    .argument('<correlation-id>', 'the X-Correlation-ID of the answer, or the correlationId of an error body')
    .option('--log <file>', 'the gateway log to search (JSON lines); - for standard input', '-')
    .option('--json', 'print the matching log lines as JSON')
    .action(async (correlationId: string, options: { log: string; json?: boolean }) => {
      const input = options.log === '-' ? process.stdin : createReadStream(options.log);
      const found: LogLine[] = [];
      try {
        for await (const text of createInterface({ input, crlfDelay: Infinity })) {
          const line = parse(text);
          if (line !== undefined && line['correlationId'] === correlationId) found.push(line);
        }
      } catch (error) {
        process.stderr.write(`cannot read ${options.log}: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 2;
        return;
      }
      if (found.length === 0) {
        process.stderr.write(`no log line has the correlation ID ${correlationId} in ${options.log === '-' ? 'standard input' : options.log}\n`);
        process.exitCode = 1;
        return;
      }
      found.sort((a, b) => Number(a['time'] ?? 0) - Number(b['time'] ?? 0));
      process.stdout.write(options.json === true ? `${JSON.stringify(found, null, 2)}\n` : `${found.map(describe).join('\n')}\n`);
    });
}

function parse(text: string): LogLine | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as LogLine) : undefined;
  } catch {
    return undefined;
  }
}

/** One line of the story: when, then what happened, in words an operator reads at a glance. */
function describe(line: LogLine): string {
  const at = typeof line['time'] === 'number' ? new Date(line['time']).toISOString() : '?';
  const field = (name: string): string => (line[name] === undefined ? '' : String(line[name]));
  const parts: string[] = [];
  if (line['msg'] === 'request') {
    parts.push(`${field('method')} ${field('path')}`, `-> ${field('status')}`);
    if (line['code'] !== undefined) parts.push(field('code'));
    if (line['route'] !== undefined) parts.push(`route ${field('route')}`);
    if (line['account'] !== undefined) parts.push(`account ${field('account')} key ${field('keyId')}`);
    parts.push(`${field('totalMs')} ms`);
    if (line['upstreamMs'] !== undefined) parts.push(`(upstream ${field('upstreamMs')} ms)`);
    if (line['clientClosed'] === true) parts.push('client closed the connection');
    if (line['brokenMidResponse'] === true) parts.push('response cut off');
  } else {
    parts.push(`${field('level')}: ${field('msg')}`);
    for (const name of ['operationId', 'attempt', 'attempts', 'status', 'code', 'retryInMs', 'route', 'upstream', 'failure']) {
      if (line[name] !== undefined) parts.push(`${name} ${field(name)}`);
    }
    const err = line['err'] as { message?: unknown } | undefined;
    if (err?.message !== undefined) parts.push(`error: ${String(err.message)}`);
  }
  return `${at}  ${parts.join('  ')}`;
}
