import type { FeatureCondition } from '../../config/config-types.js';

/** Whether a parsed JSON body matches a route's `featureWhen` condition (any value the pointer reaches). */
export function matchesCondition(body: unknown, condition: FeatureCondition): boolean {
  return valuesAt(body, condition.pointer).some((value) => matchesValue(value, condition));
}

function matchesValue(value: unknown, condition: FeatureCondition): boolean {
  if (condition.lessThan !== undefined && !(typeof value === 'number' && value < condition.lessThan)) return false;
  if (condition.greaterThan !== undefined && !(typeof value === 'number' && value > condition.greaterThan)) return false;
  if ('equals' in condition && JSON.stringify(value) !== JSON.stringify(condition.equals)) return false;
  return true;
}

/**
 * Resolves an RFC 6901 JSON pointer, where a `*` segment also stands for every item of an array or
 * member of an object (a plan rule often concerns any entry of a list, such as every sync setting's schedule).
 */
function valuesAt(document: unknown, pointer: string): unknown[] {
  let current: unknown[] = [document];
  if (pointer === '') return current;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    current = current.flatMap((node) => {
      if (node === null || typeof node !== 'object') return [];
      const record = node as Record<string, unknown>;
      if (token === '*') return Object.values(record);
      return Object.hasOwn(record, token) ? [record[token]] : [];
    });
  }
  // No `undefined` can come out: the document is parsed JSON, and only members it has are taken.
  return current;
}
