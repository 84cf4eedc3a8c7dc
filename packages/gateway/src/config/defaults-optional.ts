import type { TSchema } from '@sinclair/typebox';

/**
 * The schema a config file is checked against: a property with a `default` is left out of its object's
 * `required`, since the file may omit it and the loader fills it in. The section schemas list such a
 * property as required so that their static type is the loaded config, with every default filled in; the
 * type returned is therefore the one given. (Ajv with `useDefaults` fills before it checks `required`, so
 * the loader would pass either way; docs/config.md and tools that fill no defaults read `required`.)
 * The schema given is not changed.
 */
export function withDefaultsOptional<Schema extends TSchema>(schema: Schema): Schema {
  return optionalDefaultsOf(schema) as Schema;
}

function optionalDefaultsOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(optionalDefaultsOf);
  if (typeof node !== 'object' || node === null) return node;
  // Spreading keeps TypeBox's symbol keys ([Kind], [OptionalKind]), which JSON Schema tools ignore.
  const copy: Record<string | symbol, unknown> = { ...node };
  for (const [key, value] of Object.entries(node)) {
    // `default` and `enum` hold data, not schemas.
    if (key !== 'default' && key !== 'enum' && key !== 'const') copy[key] = optionalDefaultsOf(value);
  }
  const properties = copy['properties'];
  const required = copy['required'];
  if (Array.isArray(required) && typeof properties === 'object' && properties !== null) {
    const stillRequired = required.filter((name: string) => (properties as Record<string, { default?: unknown }>)[name]?.default === undefined);
    if (stillRequired.length > 0) copy['required'] = stillRequired;
    else delete copy['required'];
  }
  return copy;
}
