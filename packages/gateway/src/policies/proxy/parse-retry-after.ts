/**
 * Reads a Retry-After value (RFC 9110: delay-seconds or an HTTP-date) as whole seconds from `nowMs`.
 * Returns undefined for anything malformed, negative or absurd (over a day is treated as malformed).
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (/^\d{1,6}$/.test(trimmed)) {
    const seconds = Number(trimmed);
    return seconds <= 86400 ? seconds : undefined;
  }
  const date = Date.parse(trimmed);
  if (Number.isNaN(date) || !/GMT$/.test(trimmed)) return undefined;
  const seconds = Math.ceil((date - nowMs) / 1000);
  return seconds >= 0 && seconds <= 86400 ? seconds : seconds < 0 ? 0 : undefined;
}
