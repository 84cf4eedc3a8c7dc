export interface BackoffSettings {
  /** Ceiling of the first delay, in ms (doubles per retry). */
  readonly initialDelayMs: number;
  /** Largest delay, in ms. */
  readonly maxDelayMs: number;
}

export const defaultBackoff: BackoffSettings = { initialDelayMs: 500, maxDelayMs: 8000 };

/**
 * Delay before retry number `retry` (1 for the first retry): capped exponential backoff with full jitter,
 * a random value in [0, min(max, initial * 2^(retry-1))). Pure: `random` is injected.
 */
export function backoffDelay(retry: number, settings: BackoffSettings = defaultBackoff, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(retry - 1, 30));
  const ceiling = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}
