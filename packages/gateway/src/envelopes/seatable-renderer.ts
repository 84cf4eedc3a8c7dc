import type { EnvelopeRenderer, RenderedError } from './envelope-renderer.js';
import type { ErrorView } from './error-view.js';

/**
 * SeaTable's shapes: authentication failures in Django REST framework style (`{"detail": …}`), every
 * other error as `{"error_msg": …}`. Validation items, which SeaTable does not have, are appended to
 * the message so that nothing the caller must fix is lost.
 */
export const seatableRenderer: EnvelopeRenderer = {
  name: 'seatable',
  schema: {
    type: 'object',
    description: 'SeaTable\'s error shapes (application/json): `detail` for 401, `error_msg` otherwise.',
    properties: {
      detail: { type: 'string' },
      error_msg: { type: 'string' },
    },
    minProperties: 1,
    maxProperties: 1,
  },
  renderError: function renderSeatable(view: ErrorView): RenderedError {
    const items = view.errors.map((item) => (item.pointer === '' ? item.message : `${item.pointer}: ${item.message}`));
    const message = items.length === 0 ? view.detail : `${view.detail} ${items.join('; ')}`;
    const body = view.status === 401 ? { detail: message } : { error_msg: message };
    return { contentType: 'application/json', body: JSON.stringify(body) };
  },
};
