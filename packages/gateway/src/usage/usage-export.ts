import { parseDuration } from '../config/duration.js';
import { mergeRows } from './usage-rows.js';
import type { UsageRow } from './usage-types.js';

/** How rows are summed before export: per minute as stored, or per UTC hour or day (billing periods). */
export type ExportPeriod = 'minute' | 'hour' | 'day';

const periodMs: Record<ExportPeriod, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The columns of an export, in order: the CSV header row and each JSON object's members. */
export const exportColumns = ['period', 'account', 'keyId', 'route', 'status', 'code', 'owner', 'count', 'totalMs'] as const;

/**
 * A time given on the command line: an ISO 8601 date (`2026-11-01`, `2026-11-01T00:00:00Z`) or a
 * duration back from `now` (`7d`, `36h`). Undefined when it is neither.
 */
export function parseWhen(text: string, now: number): number | undefined {
  if (/^[1-9][0-9]*(ms|s|m|h|d)$/.test(text)) return now - parseDuration(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  // A date-time without an offset is UTC, as a date alone is (JavaScript would read it as local time).
  const at = Date.parse(/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text}Z` : text);
  return Number.isNaN(at) ? undefined : at;
}

/** Rows summed per period (its start, UTC) and combination, ordered by period. */
export function byPeriod(rows: readonly UsageRow[], period: ExportPeriod): UsageRow[] {
  const size = periodMs[period];
  if (period === 'minute') return [...rows];
  return mergeRows([], rows.map((row) => ({ ...row, minute: row.minute - (row.minute % size) })));
}

function record(row: UsageRow): Record<(typeof exportColumns)[number], string | number> {
  return {
    period: new Date(row.minute).toISOString(),
    account: row.account,
    keyId: row.keyId,
    route: row.route,
    status: row.status,
    code: row.code,
    owner: row.owner,
    count: row.count,
    totalMs: Math.round(row.totalMs * 1000) / 1000,
  };
}

/** RFC 4180 CSV: a header row, then one line per row; a field with a comma, quote or line break is quoted. */
export function toCsv(rows: readonly UsageRow[]): string {
  const field = (value: string | number): string => {
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = [exportColumns.join(','), ...rows.map((row) => exportColumns.map((column) => field(record(row)[column])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

/** One JSON array of objects. */
export function toJson(rows: readonly UsageRow[]): string {
  return `${JSON.stringify(rows.map(record), null, 2)}\n`;
}

/** JSON Lines: one object per line, for streaming into other tools. */
export function toJsonLines(rows: readonly UsageRow[]): string {
  return rows.map((row) => `${JSON.stringify(record(row))}\n`).join('');
}
