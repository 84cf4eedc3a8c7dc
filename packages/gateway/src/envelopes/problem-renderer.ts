import type { EnvelopeRenderer, RenderedError } from './envelope-renderer.js';
import type { ErrorView } from './error-view.js';

/** RFC 9457 problem details with Portier's extension members. The default envelope. */
export const problemRenderer: EnvelopeRenderer = {
  name: 'problem',
  renderError: function renderProblem(view: ErrorView): RenderedError {
    const body = {
      type: view.typeUri,
      title: view.title,
      status: view.status,
      detail: view.detail,
      instance: view.instance,
      code: view.code,
      correlationId: view.correlationId,
      retryable: view.retryable,
      service: view.service,
      errors: view.errors,
      warnings: view.warnings,
    };
    return { contentType: 'application/problem+json', body: JSON.stringify(body) };
  },
};
