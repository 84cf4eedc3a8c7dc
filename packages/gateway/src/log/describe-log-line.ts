/** A log line, as the gateway writes them (pino JSON, one per line). */
export type LogLine = Record<string, unknown>;

/** Parses one line of the gateway's log; anything that is not a JSON object (a stack trace, a banner) is undefined. */
export function parseLogLine(text: string): LogLine | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as LogLine) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One line of a request's story: when, then what happened, in words an operator reads at a glance.
 * `portier trace` prints these and the dashboard's search shows them, so both tell the same story.
 */
export function describeLogLine(line: LogLine): string {
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

/** The lines in the order they happened (pino's `time`, epoch ms). */
export function inTimeOrder(lines: readonly LogLine[]): LogLine[] {
  return [...lines].sort((a, b) => Number(a['time'] ?? 0) - Number(b['time'] ?? 0));
}
