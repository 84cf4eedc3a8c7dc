import { Type, type SchemaOptions, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

/*
 * TypeBox builders for the shapes the config schema writes in plain JSON Schema rather than TypeBox's own
 * encoding (`anyOf` of `const` for unions, `patternProperties` for records): the schema Ajv checks, its
 * error messages and docs/config.md stay as they are, while the static types still follow the schema.
 */

/** `{enum: values}`, typed as the union of the values. */
export function Enum<const Values extends readonly (string | number)[]>(values: Values, options: SchemaOptions = {}): TUnsafe<Values[number]> {
  return Type.Unsafe<Values[number]>({ enum: values, ...options });
}

/** A JSON object of any shape (a user's JSON Schema, a body template): `{type: 'object'}`. */
export function JsonObject(options: SchemaOptions = {}): TUnsafe<Readonly<Record<string, unknown>>> {
  return Type.Unsafe<Readonly<Record<string, unknown>>>({ type: 'object', ...options });
}

/** An object used as a map: any key (limited by `propertyNames` in `options`), every value a `values`. */
export function MapOf<Values extends TSchema>(values: Values, options: SchemaOptions = {}): TUnsafe<Record<string, Static<Values>>> {
  return Type.Unsafe<Record<string, Static<Values>>>({ type: 'object', ...options, additionalProperties: values });
}
