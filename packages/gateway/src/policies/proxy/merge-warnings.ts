import type { ValidationConfig } from '../../config/config-types.js';
import type { ErrorItem } from '../../errors/portier-error.js';

type WarningsInBody = NonNullable<ValidationConfig['warningsInBody']>;

/**
 * A JSON success body with the request's warnings appended to the array at `pointer` (created with its
 * parents when missing), or undefined when the body is not a JSON object (it is then sent as it was).
 */
export function mergeWarnings(body: string, warnings: readonly ErrorItem[], target: WarningsInBody): string | undefined {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return undefined;
  const names = target.pointer.slice(1).split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
  let parent = document as Record<string, unknown>;
  for (const name of names.slice(0, -1)) {
    const next = parent[name];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) parent[name] = {};
    parent = parent[name] as Record<string, unknown>;
  }
  const last = names[names.length - 1] as string;
  const existing = parent[last];
  const list = Array.isArray(existing) ? existing : [];
  for (const warning of warnings) list.push(shape(warning, target.as));
  parent[last] = list;
  return JSON.stringify(document);
}

function shape(warning: ErrorItem, as: WarningsInBody['as']): unknown {
  switch (as) {
    case 'messages':
      return warning.message;
    case 'items':
      return warning;
    case 'codat':
      return { itemId: warning.pointer, message: warning.message, validatorName: warning.rule };
  }
}
