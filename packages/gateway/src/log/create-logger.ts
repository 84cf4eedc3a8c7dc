import { destination as pinoDestination, pino, type DestinationStream, type Logger } from 'pino';
import { AccessLog } from './access-log.js';
import { BatchedDestination } from './batched-destination.js';
import { teeToRecentLines, type RecentLogLines } from './recent-log-lines.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Logging {
  /** Everything but the per-request line: startup, errors, shutdown. */
  readonly logger: Logger;
  /** The per-request line, written to the same destination. */
  readonly accessLog: AccessLog;
}

/** Longest time a log line may wait in the write buffer. */
const flushIntervalMs = 250;

/** Characters of log lines gathered before they are handed to the writer (and written: it waits for 4 KiB). */
const batchLength = 4096;

/**
 * Creates the gateway's JSON logs; they go to stdout unless a stream is given. Lines are batched up to
 * 4 KiB per write (one syscall for a dozen access-log lines under load), gathered in an array before
 * they reach pino's writer (`BatchedDestination`), and flushed at least every 250 ms, so a quiet
 * gateway's lines are never held back; at most that much can be lost if the process is killed with
 * SIGKILL. The buffer is flushed on shutdown and at exit.
 *
 * No pino `redact`: it costs on every line, and the gateway never logs headers, query strings or
 * bodies in the first place (tests check that keys never appear in the log).
 *
 * With `recent`, every line also goes to that in-memory ring (the dashboard's correlation-ID search).
 */
export function createLogging(level: LogLevel, destination?: DestinationStream, recent?: RecentLogLines): Logging {
  const written = destination ?? createStdoutDestination();
  const stream = recent === undefined ? written : teeToRecentLines(written, recent);
  const logger = pino({ level, base: { service: 'portier' }, formatters: { level: (label) => ({ level: label }) } }, stream);
  return { logger, accessLog: new AccessLog(stream, logger.isLevelEnabled('info')) };
}

export type { Logger };

function createStdoutDestination(): DestinationStream {
  const stream = new BatchedDestination(pinoDestination({ dest: 1, sync: false, minLength: batchLength }), batchLength, 1);
  setInterval(() => stream.flush(), flushIntervalMs).unref();
  return stream;
}
