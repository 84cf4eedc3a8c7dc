import { parse as parseYamlValue, visit, type Document, type Scalar } from 'yaml';

/** A reference whose variable is not set and has no default. */
export interface MissingVariable {
  readonly name: string;
  readonly node: Scalar;
}

const reference = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const wholeReference = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

/**
 * Replaces `${NAME}` and `${NAME:-default}` in string scalars with environment values (`$$` is a
 * literal `$`). A value that is only a reference takes the type YAML gives what it expands to, so
 * `port: ${PORT}` is a number. Works on the document so that problems keep their source location.
 */
export function expandEnv(document: Document, env: NodeJS.ProcessEnv): MissingVariable[] {
  const missing: MissingVariable[] = [];
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('$')) return;
      const source = node.value;
      const expanded = source.replace(reference, (whole, name: string | undefined, fallback: string | undefined) => {
        if (whole === '$$') return '$';
        const value = env[name as string];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        missing.push({ name: name as string, node });
        return '';
      });
      node.value = wholeReference.test(source) ? asYamlScalar(expanded) : expanded;
    },
  });
  return missing;
}

function asYamlScalar(text: string): unknown {
  try {
    const value: unknown = parseYamlValue(text);
    return value === null || typeof value === 'object' ? text : value;
  } catch {
    return text;
  }
}

