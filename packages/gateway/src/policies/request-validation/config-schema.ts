import { Type } from '@sinclair/typebox';
import { Enum, JsonObject } from '../../config/schema-builders.js';

/** Route `validation`: what the request must look like before it is forwarded. */
export const validationSchema = Type.Object(
  {
    body: Type.Optional(
      JsonObject({
        description:
          'JSON Schema (draft-07) of the JSON body. Extra keywords: `maxSerializedBytes`, format `timestamp`, and on any subschema `x-rule` (rule name), `x-message` (message shown verbatim), `x-fatal: false` (a warning), `x-drop: true` (with `x-fatal: false`: the offending item is removed from the forwarded body).',
      }),
    ),
    openapi: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'OpenAPI 3.x file (YAML or JSON, relative to this config file) to take the body, query and path schemas from: the operation with this route\'s method and path. Schemas given here inline win.',
      }),
    ),
    query: Type.Optional(JsonObject({ description: 'JSON Schema of the query parameters, as an object (values are converted to the schema\'s types).' })),
    params: Type.Optional(JsonObject({ description: 'JSON Schema of the path parameters, as an object (values are converted to the schema\'s types).' })),
    warningsInBody: Type.Optional(
      Type.Object(
        {
          pointer: Type.String({ pattern: '^(/[^/]+)+$', description: 'JSON pointer of the array, such as `/errors`.' }),
          as: Enum(['messages', 'items', 'codat'], { default: 'messages', description: 'Shape of each merged warning.' }),
        },
        {
          description:
            'Also merge warnings into a 2xx JSON answer (up to 1 MiB): appended to the array at `pointer`, created if missing. `as: messages` adds the messages (Braze `/errors`), `as: items` adds {pointer, message, rule}, `as: codat` adds {itemId, message, validatorName} (Codat `/validation/warnings`).',
          additionalProperties: false,
        },
      ),
    ),
    maxDepth: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 64,
      description: 'Deepest nesting of arrays and objects accepted in the body (400 `invalid_json` deeper).',
    }),
  },
  {
    description:
      'Checks the request before it is forwarded: every problem is reported at once (400 `validation_failed`). Rules marked `x-fatal: false` are warnings: the request goes through and the caller is told.',
    additionalProperties: false,
  },
);
