import type { DestinationStream } from 'pino';

/** What one access-log line says about a request. */
export interface AccessRecord {
  readonly correlationId: string;
  readonly method: string;
  readonly path: string;
  readonly route: string | undefined;
  readonly status: number;
  readonly code: string | undefined;
  /** The caller's account and key id (never the key itself), when the route authenticated it. */
  readonly account: string | undefined;
  readonly keyId: string | undefined;
  readonly totalMs: number;
  readonly upstreamMs: number | undefined;
  readonly brokenMidResponse: boolean;
  readonly clientClosed: boolean;
}

/**
 * Writes the per-request line into the logger's own destination, in pino's line format. Built by hand
 * because it runs once per request: pino's generic serializer cost as much as the rest of the gateway's
 * own work (bench: 5.6 µs against under 1 µs here). Every field but the path comes from a checked
 * charset (correlation IDs, methods, route ids, catalog codes, account and key ids), so only the path
 * needs escaping.
 */
export class AccessLog {
  constructor(
    private readonly destination: DestinationStream,
    readonly enabled: boolean,
  ) {}

  write(record: AccessRecord): void {
    if (!this.enabled) return;
    let line = `{"level":"info","time":${Date.now()},"service":"portier","correlationId":"${record.correlationId}","method":"${record.method}","path":${JSON.stringify(record.path)}`;
    if (record.route !== undefined) line += `,"route":"${record.route}"`;
    line += `,"status":${record.status}`;
    if (record.code !== undefined) line += `,"code":"${record.code}"`;
    if (record.account !== undefined) line += `,"account":"${record.account}","keyId":"${record.keyId ?? ''}"`;
    line += `,"totalMs":${round(record.totalMs)}`;
    if (record.upstreamMs !== undefined) line += `,"upstreamMs":${round(record.upstreamMs)}`;
    if (record.brokenMidResponse) line += ',"brokenMidResponse":true';
    if (record.clientClosed) line += ',"clientClosed":true';
    this.destination.write(`${line},"msg":"request"}\n`);
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
