import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { describeLogLine, inTimeOrder, parseLogLine, type LogLine } from '../log/describe-log-line.js';

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
          const line = parseLogLine(text);
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
      const story = inTimeOrder(found);
      process.stdout.write(options.json === true ? `${JSON.stringify(story, null, 2)}\n` : `${story.map(describeLogLine).join('\n')}\n`);
    });
}
