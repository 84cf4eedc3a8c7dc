import { Type } from '@sinclair/typebox';
import { Enum, MapOf } from '../config/schema-builders.js';
import { envelopeNames } from '../envelopes/envelope-names.js';

const languagePattern = '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$';

/** Operator texts of one code, any of them (`errors.texts.<language>.<code>`). */
const codeTextsSchema = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, description: 'Short summary.' })),
    detail: Type.Optional(Type.String({ minLength: 1, description: 'Detail template.' })),
    meaning: Type.Optional(Type.String({ minLength: 1, description: 'What the error means.' })),
    troubleshooting: Type.Optional(Type.Array(Type.String({ minLength: 1, description: 'One step.' }), { minItems: 1, description: 'Steps, in order.' })),
    items: Type.Optional(
      Type.Array(
        Type.Object(
          {
            pointer: Type.String({ default: '', description: 'Item the finding is about (Codat `itemId`).' }),
            message: Type.String({ minLength: 1, description: 'The message.' }),
            rule: Type.String({ default: '', description: 'Rule name (Codat `validatorName`).' }),
          },
          { description: 'One item.', additionalProperties: false },
        ),
        {
          description: 'Error items shown when the error has none of its own (Codat\'s 402 `validation.errors`): `pointer` is the envelope\'s item id, `rule` its validator name.',
        },
      ),
    ),
  },
  { description: 'Any of the texts of one code.', additionalProperties: false },
);

/** The top-level `errors` section: how errors are rendered. */
export const errorsSchema = Type.Object(
  {
    envelope: Enum(envelopeNames, {
      default: 'problem',
      description:
        'Error envelope: `problem` is RFC 9457 application/problem+json; `codat` is Codat\'s {statusCode, service, error, correlationId, validation, canBeRetried, detailedErrorCode}; `braze` is Braze\'s {message, errors}; `seatable` is SeaTable\'s {detail} (401) or {error_msg}. The correlation ID travels in the correlation header with every envelope.',
    }),
    typeBaseUrl: Type.String({
      minLength: 1,
      default: '/docs/errors',
      description: 'Base of the problem `type` URI; the error code is appended as a fragment (`/docs/errors#not_found`).',
    }),
    service: Type.String({
      minLength: 1,
      maxLength: 100,
      default: 'portier',
      description: 'Name shown as `service` in errors the gateway itself produces.',
    }),
    language: Type.String({
      pattern: languagePattern,
      default: 'en',
      description: 'Language of errors when the caller asks for none it is offered (and of the seed-shaped envelopes, see `negotiate`).',
    }),
    languages: Type.Array(Type.String({ pattern: languagePattern, description: 'A language tag.' }), {
      minItems: 1,
      uniqueItems: true,
      default: ['en', 'fr', 'de', 'ru'],
      description: 'Languages offered to callers through `Accept-Language`. Portier ships `en`, `fr`, `de` and `ru`; another language needs its texts under `texts`.',
    }),
    negotiate: Enum(['problem', 'all', 'none'], {
      default: 'problem',
      description:
        'Which envelopes follow `Accept-Language`: `problem` (seed-shaped envelopes stay in `language`, as the real APIs answer), `all`, or `none`.',
    }),
    texts: MapOf(MapOf(codeTextsSchema, { description: 'Texts of one language, by error code.' }), {
      description:
        'Operator texts by language and code, overriding shipped ones or adding a language: `{fr: {rate_limited: {title, detail, meaning, troubleshooting}}}`. A detail may use the English template\'s `{parameters}` (all or some, no others).',
      propertyNames: { pattern: languagePattern },
      default: {},
    }),
    referencePath: Type.String({
      pattern: '^/[^\\s?#:*]*[^/\\s?#:*]$',
      default: '/docs/errors',
      description:
        'Where the gateway serves the HTML error reference: `<path>` in the caller\'s language (Accept-Language), `<path>/<language>` in each offered one, with an anchor per code that the problem `type` points to.',
    }),
    serveReference: Type.Boolean({ default: true, description: 'Whether the gateway serves the HTML error reference at `referencePath`.' }),
  },
  { description: 'How errors are rendered.', additionalProperties: false, default: {} },
);

/** Route `envelope`. */
export const routeEnvelopeSchema = Enum(envelopeNames, { description: 'Error envelope for this route. Default: `errors.envelope`.' });
