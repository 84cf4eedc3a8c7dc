import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { wordedByPortier } from '../../errors/item-messages.js';
import type { ErrorItem } from '../../errors/portier-error.js';

// ajv-formats is CommonJS; its default export is the function under ESM interop.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Annotations a schema may put on any subschema to shape what the caller is told. */
type Annotation = 'x-rule' | 'x-message' | 'x-fatal' | 'x-drop';

function createAjv(coerceTypes: boolean): Ajv {
  // Unknown keywords are errors (they are usually typos); Ajv's stylistic checks are not: operators'
  // schemas use standard idioms such as an anyOf of required lists.
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strict: true,
    strictRequired: false,
    strictTypes: false,
    strictTuples: false,
    allowUnionTypes: true,
    coerceTypes,
  });
  addFormats(ajv);
  // A timestamp the gateway can parse: ISO 8601 / RFC 3339 and the RFC 2822 forms Date.parse reads.
  ajv.addFormat('timestamp', { type: 'string', validate: (value: string) => !Number.isNaN(Date.parse(value)) });
  ajv.addKeyword({ keyword: 'x-rule', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-message', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-fatal', schemaType: 'boolean' });
  ajv.addKeyword({ keyword: 'x-drop', schemaType: 'boolean' });
  ajv.addKeyword({
    keyword: 'maxSerializedBytes',
    schemaType: 'number',
    errors: true,
    validate: function maxSerializedBytes(limit: number, data: unknown, parentSchema?: unknown): boolean {
      // The data is a JSON value, which always serializes.
      if (Buffer.byteLength(JSON.stringify(data) as string) <= limit) return true;
      // The parent schema carries the x-rule / x-message annotations of this rule.
      (maxSerializedBytes as unknown as { errors: Partial<ErrorObject>[] }).errors = [
        { keyword: 'maxSerializedBytes', message: `must be at most ${limit} bytes once serialized`, params: { limit }, parentSchema: parentSchema as NonNullable<ErrorObject['parentSchema']> },
      ];
      return false;
    },
  });
  return ajv;
}

const bodyAjv = createAjv(false);
const textAjv = createAjv(true);

export type CompiledSchema = ValidateFunction;

/** Compiles a body schema once, at boot; throws with Ajv's message when the schema is wrong. */
export function compileBodySchema(schema: Readonly<Record<string, unknown>>): CompiledSchema {
  return bodyAjv.compile(schema);
}

/** Compiles a query or path-parameter schema: values arrive as strings and are converted. */
export function compileTextSchema(schema: Readonly<Record<string, unknown>>): CompiledSchema {
  return textAjv.compile(schema);
}

export interface Findings {
  readonly errors: ErrorItem[];
  readonly warnings: ErrorItem[];
  /** Pointers of items to remove from the forwarded body (non-fatal rules with `x-drop: true`). */
  readonly drops: string[];
}

/** A value's findings against a schema: none when it passes. Ajv sets `errors` whenever it fails. */
export function findingsFor(schema: CompiledSchema, value: unknown, pointerPrefix: string): Findings {
  return schema(value) ? { errors: [], warnings: [], drops: [] } : findingsOf(schema.errors as ErrorObject[], pointerPrefix);
}

/** Turns Ajv's errors into items (JSON pointer, message, rule), split into fatal and non-fatal. */
export function findingsOf(errors: readonly ErrorObject[], pointerPrefix: string): Findings {
  // A failed anyOf/oneOf/if reports its branches' errors too; the combinator's own error says it better.
  const combinators = errors.filter((error) => error.keyword === 'anyOf' || error.keyword === 'oneOf').map((error) => `${error.schemaPath}/`);
  const findings: Findings = { errors: [], warnings: [], drops: [] };
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    if (combinators.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    const schema = (error.parentSchema ?? {}) as Record<Annotation, unknown>;
    const missing = error.keyword === 'required' ? `/${String((error.params as { missingProperty: string }).missingProperty)}` : '';
    const pointer = `${pointerPrefix}${error.instancePath}${missing}`;
    const rule = typeof schema['x-rule'] === 'string' ? schema['x-rule'] : error.keyword;
    // The schema's own words are kept in every language; Portier's can be said in the caller's.
    const item: ErrorItem =
      typeof schema['x-message'] === 'string'
        ? { pointer, message: schema['x-message'], rule }
        : wordedByPortier({ pointer, message: defaultMessage(error, pointer), rule }, pointer, error.keyword, error.params as Record<string, unknown>);
    if (schema['x-fatal'] !== false) findings.errors.push(item);
    else {
      findings.warnings.push(item);
      // The value to drop is the one that failed, not the missing property a `required` error names.
      if (schema['x-drop'] === true) findings.drops.push(`${pointerPrefix}${error.instancePath}`);
    }
  }
  return findings;
}

/** Ajv's message (it words every error) with the item's pointer in front; a missing property is simply "is required". */
function defaultMessage(error: ErrorObject, pointer: string): string {
  const subject = pointer === '' ? 'the body' : pointer;
  return error.keyword === 'required' ? `${subject} is required` : `${subject} ${error.message as string}`;
}
