import type { EnvelopeRenderer, RenderedError } from './envelope-renderer.js';
import type { ErrorView } from './error-view.js';
import type { ErrorItem } from '../errors/portier-error.js';

/**
 * Codat's error shape: `application/json` (its SDK parses no other type), `service` naming who failed
 * (`errors.service`, PublicApi in a Codat deployment, or the upstream's name), the message in `error`,
 * and a `validation` object listing every error and warning as {itemId, message, validatorName}.
 * `canBeRetried` is a string: the SDK rejects a boolean.
 */
export const codatRenderer: EnvelopeRenderer = {
  name: 'codat',
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

function toCodatItem(item: ErrorItem): { itemId: string; message: string; validatorName: string } {
  return { itemId: item.pointer, message: item.message, validatorName: item.rule };
}
