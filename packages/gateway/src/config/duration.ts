/** Durations in config (`90s`, `15m`, `90m`, `1d`): one pattern, one parser. */

export const durationPattern = '^[1-9][0-9]*(ms|s|m|h|d)$';

const units: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration such as `90m`; throws on anything the schema would refuse. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (match === null) throw new Error(`invalid duration "${text}"`);
  return Number(match[1]) * (units[match[2] as string] as number);
}
