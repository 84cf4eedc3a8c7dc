import type { HeaderMap } from './headers.js';

/** One policy from `RateLimit-Policy` (IETF draft 10) or a legacy `X-RateLimit-Limit`. */
export interface RateLimitPolicy {
  readonly name: string;
  /** Requests per window. */
  readonly quota: number;
  /** Window length in seconds, when the server says. */
  readonly windowSeconds: number | undefined;
}

/** What the server said about the caller's limits on one response. */
export interface RateLimitState {
  readonly policies: readonly RateLimitPolicy[];
  /** The tightest limit: its name, what remains, and seconds until it frees up. */
  readonly remaining: number | undefined;
  readonly resetSeconds: number | undefined;
  readonly name: string | undefined;
}

/**
 * Reads the rate-limit headers of a response: the IETF `RateLimit-Policy` / `RateLimit` pair, or the
 * legacy `X-RateLimit-*` (Braze, SeaTable: reset in epoch seconds) and `X-Rate-Limit-*` (Codat) sets.
 * Undefined when there are none. Malformed parts are ignored, never thrown.
 */
export function readRateLimit(headers: HeaderMap, nowMs: number): RateLimitState | undefined {
  const policyHeader = headers['ratelimit-policy'];
  const current = headers['ratelimit'];
  if (policyHeader !== undefined || current !== undefined) {
    const policies = parseList(policyHeader ?? '').flatMap(({ name, params }) => {
      const quota = params['q'];
      if (quota === undefined) return [];
      return [{ name, quota, windowSeconds: params['w'] }];
    });
    const first = parseList(current ?? '')[0];
    return {
      policies,
      name: first?.name,
      remaining: first?.params['r'],
      resetSeconds: first?.params['t'],
    };
  }
  for (const prefix of ['x-ratelimit-', 'x-rate-limit-']) {
    const limit = integer(headers[`${prefix}limit`]);
    const remaining = integer(headers[`${prefix}remaining`]);
    const reset = headers[`${prefix}reset`];
    if (limit === undefined && remaining === undefined) continue;
    return {
      policies: limit === undefined ? [] : [{ name: 'default', quota: limit, windowSeconds: undefined }],
      name: 'default',
      remaining,
      resetSeconds: resetSecondsOf(reset, nowMs),
    };
  }
  return undefined;
}

/** A legacy reset: epoch seconds (Braze, SeaTable), seconds from now (small numbers), or an HTTP/ISO date (Codat). */
function resetSecondsOf(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const number = integer(value);
  if (number !== undefined) return number > 1_000_000_000 ? Math.max(0, number - Math.floor(nowMs / 1000)) : number;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/** A structured-field list of items with integer parameters: `"minute";q=300;w=60, "day";q=5000`. */
function parseList(text: string): { name: string; params: Record<string, number> }[] {
  const items: { name: string; params: Record<string, number> }[] = [];
  for (const member of text.split(',')) {
    const [rawName, ...rawParams] = member.split(';').map((part) => part.trim());
    if (rawName === undefined || rawName === '') continue;
    const name = rawName.replace(/^"(.*)"$/, '$1');
    const params: Record<string, number> = {};
    for (const param of rawParams) {
      const [key, value] = param.split('=');
      const parsed = integer(value);
      if (key !== undefined && parsed !== undefined) params[key.trim()] = parsed;
    }
    items.push({ name, params });
  }
  return items;
}

function integer(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d{1,15}\s*$/.test(value)) return undefined;
  return Number(value);
}
