/**
 * Delay before attempt `attempt + 1` after `attempt` failed: capped exponential backoff with full
 * jitter (a random delay between 0 and min(max, base * 2^(attempt-1))), so that many operations failing
 * together do not retry together. A hint from the upstream (Retry-After) is a floor. Pure: `random` is
 * injected.
 */
export function backoffDelay(
  attempt: number,
  settings: { readonly baseDelayMs: number; readonly maxDelayMs: number },
  hintMs: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const jittered = Math.floor(random() * ceiling);
  return hintMs === undefined ? jittered : Math.max(hintMs, jittered);
}
