import type { EnvelopeRenderer, RenderedError } from './envelope-renderer.js';
import type { ErrorView } from './error-view.js';

/** RFC 9457 problem details with Portier's extension members. The default envelope. */
const itemSchema = {
  type: 'object',
  required: ['pointer', 'message', 'rule'],
  properties: {
    pointer: { type: 'string', description: 'JSON pointer of the item the finding is about (empty for the whole request).' },
    message: { type: 'string' },
    rule: { type: 'string', description: 'Name of the rule that produced the finding.' },
  },
} as const;

export const problemRenderer: EnvelopeRenderer = {
  name: 'problem',
  schema: {
    type: 'object',
    description: 'RFC 9457 problem details (application/problem+json) with Portier\'s extension members.',
    required: ['type', 'title', 'status', 'detail', 'code', 'correlationId', 'retryable', 'service', 'errors', 'warnings'],
    properties: {
      type: { type: 'string', format: 'uri-reference', description: 'Link to the code\'s section of the error reference.' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      instance: { type: 'string' },
      code: { type: 'string', description: 'Stable catalog code; the same in every language.' },
      correlationId: { type: 'string', description: 'Also in the correlation header; give it to support.' },
      retryable: { type: 'boolean' },
      service: { type: 'string', description: 'Who produced the error: the gateway or the service behind it.' },
      errors: { type: 'array', items: itemSchema },
      warnings: { type: 'array', items: itemSchema },
    },
  },
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
