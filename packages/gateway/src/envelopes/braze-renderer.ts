import type { EnvelopeRenderer, RenderedError } from './envelope-renderer.js';
import type { ErrorView } from './error-view.js';

/**
 * Braze's shape: always a JSON body (its community client parses JSON before it reads the status, so an
 * empty or text body breaks it), `message` holding the fatal error and `errors` the minor ones as plain
 * strings. For a refused request the first broken rule is the fatal message (`No Recipients`), the other
 * broken rules and the warnings are the minor errors, as Braze lists them.
 */
export const brazeRenderer: EnvelopeRenderer = {
  name: 'braze',
  schema: {
    type: 'object',
    description: 'Braze\'s error shape (application/json): the fatal error in `message`, minor ones in `errors`.',
    required: ['message', 'errors'],
    properties: {
      message: { type: 'string' },
      errors: { type: 'array', items: { type: 'string' } },
    },
  },
  renderError: function renderBraze(view: ErrorView): RenderedError {
    const [fatal, ...others] = view.errors;
    const errors = [...others, ...view.warnings].map((item) => item.message);
    return { contentType: 'application/json', body: JSON.stringify({ message: fatal?.message ?? view.detail, errors }) };
  },
};
