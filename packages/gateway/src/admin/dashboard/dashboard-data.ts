import type { Clock } from '../../clock.js';
import { portierError } from '../../errors/portier-error.js';
import { describeLogLine, inTimeOrder, parseLogLine, type LogLine } from '../../log/describe-log-line.js';
import type { RecentLogLines } from '../../log/recent-log-lines.js';
import type { Operations } from '../../operations/operations.js';
import type { QueueStats } from '../../operations/operation.js';
import type { UpstreamClient } from '../../policies/proxy/upstream-client.js';
import type { CounterBackend } from '../../policies/rate-limit/shared-counters.js';
import type { RecentError, UsageReader } from '../../usage/usage-types.js';
import { minutesEndingAt, summarizeUsage, type UsageSummary } from './summarize-usage.js';

/** What the dashboard reads; each part may be absent in a deployment that does not have it. */
export interface DashboardSources {
  readonly clock: Clock;
  /** Usage metering, when the deployment meters. */
  readonly usage: UsageReader | undefined;
  /** The ring of recent log lines (the correlation-ID search). */
  readonly recentLines: RecentLogLines | undefined;
  readonly counters: CounterBackend;
  readonly upstreams: ReadonlyMap<string, UpstreamClient>;
  readonly operations: () => Operations | undefined;
  /** An account's name by id, where the deployment has accounts (so the panels can say "Acme", not only an id). */
  readonly accountName: ((id: string) => Promise<string | undefined>) | undefined;
}

/** Default and largest range of the charts, minutes. */
export const defaultMinutes = 60;
export const maxMinutes = 24 * 60;
/** Error answers the summary lists, newest first. */
const recentErrorCount = 10;

/** The same charset the correlation-id stage accepts: anything else was never an id of ours. */
const correlationIdFormat = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** `GET /admin/dashboard/summary`: every panel but the search, in one answer (one poll per refresh). */
export interface DashboardSummary {
  readonly generatedAt: number;
  readonly usage: (UsageSummary & { readonly recentErrors: readonly RecentError[] }) | null;
  /** Names of the accounts the panels list, by id (an id missing here has no name to show). */
  readonly accountNames: Readonly<Record<string, string>>;
  readonly upstreams: readonly { readonly name: string; readonly circuit: 'closed' | 'open' | 'half-open'; readonly opens: number }[];
  readonly operations: QueueStats | null;
  readonly rateLimits: ReturnType<CounterBackend['status']>;
  readonly recentLog: ReturnType<RecentLogLines['usage']> | null;
}

/** `GET /admin/dashboard/requests/:correlationId`: one request's story. */
export interface RequestStory {
  readonly correlationId: string;
  /** What `portier trace` prints, line by line, oldest first. */
  readonly story: readonly string[];
  readonly lines: readonly LogLine[];
  /** The usage reader's error answers with this id (kept longer than the log ring). */
  readonly errors: readonly RecentError[];
}

/** Parses `?minutes=`: a whole number from 1 to `maxMinutes`, else a catalogued 400. */
export function minutesOf(query: URLSearchParams): number {
  const text = query.get('minutes');
  if (text === null) return defaultMinutes;
  const minutes = Number(text);
  if (!/^\d+$/.test(text) || minutes < 1 || minutes > maxMinutes) throw portierError('bad_request', { reason: `"minutes" must be a whole number from 1 to ${maxMinutes}` });
  return minutes;
}

export async function dashboardSummary(sources: DashboardSources, minutes: number): Promise<DashboardSummary> {
  const now = sources.clock.now();
  const queue = sources.operations();
  const usage = sources.usage === undefined ? null : await usageSummary(sources.usage, now, minutes);
  return {
    generatedAt: now,
    usage,
    accountNames: usage === null ? {} : await namesOf(sources, [...usage.topAccounts, ...usage.refusalsByAccount, ...usage.recentErrors].map((entry) => entry.account)),
    upstreams: [...sources.upstreams].map(([name, upstream]) => ({ name, circuit: upstream.breaker.state, opens: upstream.breaker.opens })),
    operations: queue === undefined ? null : await queue.store.stats(now),
    rateLimits: sources.counters.status(),
    recentLog: sources.recentLines?.usage() ?? null,
  };
}

/** At most a few dozen ids (the lists are short), each one store read; the key cache holds no names. */
async function namesOf(sources: DashboardSources, ids: readonly string[]): Promise<Record<string, string>> {
  const lookup = sources.accountName;
  if (lookup === undefined) return {};
  const unique = [...new Set(ids.filter((id) => id !== ''))];
  const names = await Promise.all(unique.map(async (id) => [id, await lookup(id)] as const));
  return Object.fromEntries(names.filter((entry): entry is readonly [string, string] => entry[1] !== undefined));
}

async function usageSummary(usage: UsageReader, now: number, count: number): Promise<UsageSummary & { recentErrors: readonly RecentError[] }> {
  const minutes = minutesEndingAt(now, count);
  const range = { from: minutes[0] as number, to: (minutes[minutes.length - 1] as number) + 60_000 };
  const [rows, latency, recentErrors] = await Promise.all([usage.rows(range), usage.latency({ ...range, route: '' }), usage.recentErrors({ limit: recentErrorCount })]);
  // Route '' is every route together; a reader that also returns per-route rows must not count twice.
  return { ...summarizeUsage(minutes, rows, latency.filter((row) => row.route === '')), recentErrors };
}

export async function requestStory(sources: DashboardSources, correlationId: string): Promise<RequestStory> {
  if (!correlationIdFormat.test(correlationId)) throw portierError('bad_request', { reason: 'a correlation ID is 1 to 128 letters, digits and . _ : - (starting with a letter or digit)' });
  const lines = inTimeOrder((sources.recentLines?.find(correlationId) ?? []).map(parseLogLine).filter((line): line is LogLine => line !== undefined));
  const errors = sources.usage === undefined ? [] : await sources.usage.recentErrors({ correlationId, limit: 10 });
  return { correlationId, story: lines.map(describeLogLine), lines, errors };
}
