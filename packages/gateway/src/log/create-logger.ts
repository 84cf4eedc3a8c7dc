import { destination as pinoDestination, pino, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * Paths that must never reach a log line even if a future caller logs a request object: keys and
 * tokens travel in these headers.
 */
const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  '*.apiKey',
  '*.token',
  '*.secret',
];

/** Creates the gateway's JSON logger; writes asynchronously to stdout unless a stream is given. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const stream = destination ?? pinoDestination({ dest: 1, sync: false });
  return pino(
    {
      level,
      base: { service: 'portier' },
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
}

export type { Logger };
