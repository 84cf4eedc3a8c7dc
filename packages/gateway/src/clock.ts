/** Time source, injected so that windows, breakers and deadlines are testable without sleeping. */
export interface Clock {
  /** Wall-clock time in epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
