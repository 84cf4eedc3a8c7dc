import type { PortierConfig } from 'portier';

/** One size rule of a route's body schema: the seeds' "at most 140 characters", "at most 50 ids". */
export interface SizeRule {
  readonly routeId: string;
  /** Property names from the body's root to the bounded value. */
  readonly path: readonly string[];
  readonly keyword: SizeKeyword;
  readonly limit: number;
  /** The rule's `x-message`, which a refusal must show. */
  readonly message: string | undefined;
  /** The item schema of a bounded array, to build items that are valid on their own. */
  readonly items: Record<string, unknown> | undefined;
}

const sizeKeywords = ['maxItems', 'minItems', 'maxLength', 'minLength', 'maxSerializedBytes'] as const;
export type SizeKeyword = (typeof sizeKeywords)[number];

/** Every size rule of every route's body schema, walking `properties` only (where the seeds put them). */
export function sizeRulesOf(config: PortierConfig): SizeRule[] {
  const rules: SizeRule[] = [];
  for (const route of config.routes) {
    const body = route.validation?.body as Record<string, unknown> | undefined;
    if (body !== undefined) walk(route.id, [], body, rules);
  }
  return rules;
}

function walk(routeId: string, path: string[], schema: Record<string, unknown>, out: SizeRule[]): void {
  for (const keyword of sizeKeywords) {
    const limit = schema[keyword];
    if (typeof limit !== 'number') continue;
    const message = typeof schema['x-message'] === 'string' ? schema['x-message'] : undefined;
    const items = typeof schema['items'] === 'object' && schema['items'] !== null ? (schema['items'] as Record<string, unknown>) : undefined;
    out.push({ routeId, path, keyword, limit, message, items });
  }
  const properties = schema['properties'];
  if (typeof properties !== 'object' || properties === null) return;
  for (const [name, child] of Object.entries(properties as Record<string, unknown>)) {
    if (typeof child === 'object' && child !== null) walk(routeId, [...path, name], child as Record<string, unknown>, out);
  }
}

/** The two sizes of a rule's boundary pair: the one that passes and the one that fails. */
export function boundaryPair(rule: SizeRule): { readonly passes: number; readonly fails: number } {
  return rule.keyword.startsWith('max') ? { passes: rule.limit, fails: rule.limit + 1 } : { passes: rule.limit, fails: rule.limit - 1 };
}

/**
 * A value of exactly `size` under the rule: that many items, characters or serialized bytes. `item` is
 * what a bounded array is filled with, `seed` the object a byte-bounded value grows from.
 */
export function valueOfSize(rule: SizeRule, size: number, item: unknown, seed: Record<string, unknown>): unknown {
  switch (rule.keyword) {
    case 'maxItems':
    case 'minItems':
      return Array.from({ length: size }, () => item);
    case 'maxLength':
    case 'minLength':
      return 'x'.repeat(size);
    case 'maxSerializedBytes': {
      // Pad one string member so that the serialized object is exactly `size` bytes.
      const empty = Buffer.byteLength(JSON.stringify({ ...seed, pad: '' }));
      if (size < empty) throw new Error(`${rule.path.join('.')}: ${size} bytes is smaller than the seed object`);
      return { ...seed, pad: 'x'.repeat(size - empty) };
    }
  }
}

/** `base` with the value at `path` replaced (objects on the way are copied, missing ones created). */
export function withValueAt(base: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) throw new Error('a size rule on the body itself has no path');
  if (rest.length === 0) return { ...base, [head]: value };
  const child = base[head];
  return { ...base, [head]: withValueAt(typeof child === 'object' && child !== null ? (child as Record<string, unknown>) : {}, rest, value) };
}
