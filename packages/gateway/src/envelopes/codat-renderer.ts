import type { EnvelopeRenderer, RenderedError } from './envelope-renderer.js';
import type { ErrorView } from './error-view.js';
import type { ErrorItem } from '../errors/portier-error.js';

/**
 * Codat's error shape: `application/json` (its SDK parses no other type), `service` naming who failed
 * (`errors.service`, PublicApi in a Codat deployment, or the upstream's name), the message in `error`,
 * and a `validation` object listing every error and warning as {itemId, message, validatorName}.
 * `canBeRetried` is a string: the SDK rejects a boolean.
 */
const codatItemSchema = {
  type: 'object',
  required: ['message'],
  properties: { itemId: { type: 'string' }, message: { type: 'string' }, validatorName: { type: 'string' } },
} as const;

export const codatRenderer: EnvelopeRenderer = {
  name: 'codat',
  schema: {
    type: 'object',
    description: 'Codat\'s error shape (application/json).',
    required: ['statusCode', 'service', 'error', 'correlationId', 'validation', 'canBeRetried', 'detailedErrorCode'],
    properties: {
      statusCode: { type: 'integer' },
      service: { type: 'string' },
      error: { type: 'string' },
      correlationId: { type: 'string' },
      validation: {
        type: 'object',
        required: ['errors', 'warnings'],
        properties: { errors: { type: 'array', items: codatItemSchema }, warnings: { type: 'array', items: codatItemSchema } },
      },
      canBeRetried: { type: 'string', description: 'A string, as Codat sends it.' },
      detailedErrorCode: { type: 'integer' },
    },
  },
  renderError: function renderCodat(view: ErrorView): RenderedError {
    const body = {
      statusCode: view.status,
      service: view.service,
      error: view.detail,
      correlationId: view.correlationId,
      validation: { errors: view.errors.map(toCodatItem), warnings: view.warnings.map(toCodatItem) },
      canBeRetried: 'Unknown',
      detailedErrorCode: 0,
    };
    return { contentType: 'application/json', body: JSON.stringify(body) };
  },
};

/** Codat leaves out what an item does not have (its "Account expired" item is a message alone). */
function toCodatItem(item: ErrorItem): { itemId?: string; message: string; validatorName?: string } {
  return { ...(item.pointer === '' ? {} : { itemId: item.pointer }), message: item.message, ...(item.rule === '' ? {} : { validatorName: item.rule }) };
}
