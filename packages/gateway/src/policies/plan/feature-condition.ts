import type { FeatureCondition } from '../../config/config-types.js';

/** Whether a parsed JSON body matches a route's `featureWhen` condition. */
export function matchesCondition(body: unknown, condition: FeatureCondition): boolean {
  const value = valueAt(body, condition.pointer);
  if (value === undefined) return false;
  if (condition.lessThan !== undefined && !(typeof value === 'number' && value < condition.lessThan)) return false;
  if (condition.greaterThan !== undefined && !(typeof value === 'number' && value > condition.greaterThan)) return false;
  if ('equals' in condition && JSON.stringify(value) !== JSON.stringify(condition.equals)) return false;
  return true;
}

/** Resolves an RFC 6901 JSON pointer. */
function valueAt(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let current: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[token];
  }
  return current;
}
