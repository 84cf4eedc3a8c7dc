/**
 * Operator-shaped JSON bodies (operation bodies, self-service key answers): a template is any JSON
 * value whose strings name fields in braces. A string that is only `{field}` becomes the field's JSON
 * value (null stays null, numbers stay numbers, arrays stay arrays); `{field?}` leaves the member (or
 * item) out while the field is null, for clients that accept a missing member but not null;
 * `{field ?? <JSON>}` gives a fallback while it is null. Other strings get the fields' text filled in.
 */

const placeholder = /\{([A-Za-z_][A-Za-z0-9_.]*)\}/g;
const whole = /^\{([A-Za-z_][A-Za-z0-9_.]*)(\?|\s*\?\?\s*(.+))?\}$/;
const omitted = Symbol('omitted');

/** The value of a named field; null or undefined when it has none. */
export type FieldResolver = (name: string) => unknown;

interface WholeValue {
  readonly name: string;
  readonly omitWhenNull: boolean;
  readonly fallback: unknown;
}

/** Reads a whole-value placeholder; a fallback that is not JSON is kept as text. */
function parseWhole(text: string): WholeValue | undefined {
  const match = whole.exec(text);
  if (match === null) return undefined;
  const raw = match[3];
  let fallback: unknown = null;
  if (raw !== undefined) {
    try {
      fallback = JSON.parse(raw) as unknown;
    } catch {
      fallback = raw.trim();
    }
  }
  return { name: match[1] as string, omitWhenNull: match[2] === '?', fallback };
}

/** Every field name a template uses (for config checks). */
export function templateFieldNames(template: unknown): string[] {
  const names: string[] = [];
  walk(template, (text) => {
    const exact = parseWhole(text);
    if (exact !== undefined) names.push(exact.name);
    else for (const match of text.matchAll(placeholder)) names.push(match[1] as string);
  });
  return names;
}

/** Renders a template object with the fields `resolve` gives. */
export function renderJsonTemplate(template: Readonly<Record<string, unknown>>, resolve: FieldResolver): Record<string, unknown> {
  const render = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const exact = parseWhole(node);
      if (exact !== undefined) {
        const value = resolve(exact.name) ?? null;
        return value === null && exact.omitWhenNull ? omitted : (value ?? exact.fallback);
      }
      return node.replace(placeholder, (_match, name: string) => {
        const value = resolve(name);
        return value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
      });
    }
    if (Array.isArray(node)) return node.map(render).filter((value) => value !== omitted);
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(
        Object.entries(node).flatMap(([key, value]) => {
          const rendered = render(value);
          return rendered === omitted ? [] : [[key, rendered]];
        }),
      );
    }
    return node;
  };
  return render(template) as Record<string, unknown>;
}

function walk(node: unknown, visit: (text: string) => void): void {
  if (typeof node === 'string') visit(node);
  else if (Array.isArray(node)) node.forEach((child) => walk(child, visit));
  else if (node !== null && typeof node === 'object') Object.values(node).forEach((child) => walk(child, visit));
}
