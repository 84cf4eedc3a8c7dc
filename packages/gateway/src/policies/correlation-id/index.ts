import type { RequestStageModule } from '../../pipeline/policy.js';
import { single } from '../../pipeline/single-header.js';
import { resolveCorrelationId } from './resolve-correlation-id.js';

/** Gives every request its correlation ID, before anything can fail: every answer carries it. */
export const correlationIdStage: RequestStageModule<'correlation-id', { readonly header: string }, unknown> = {
  name: 'correlation-id',
  scope: 'request',
  summary: 'a safe incoming `X-Correlation-ID` or a W3C `traceparent` trace-id is kept, anything else replaced by a UUID; sent on every response, in every error body, and upstream',
  emits: [],
  settingsOf: (config) => ({ header: config.correlation.header.toLowerCase() }),
  codes: () => [],
  create({ header }) {
    return {
      name: 'correlation-id',
      handle: function assignCorrelationId(ctx) {
        const { headers } = ctx.req;
        ctx.correlationId = resolveCorrelationId(single(headers[header]), single(headers.traceparent));
        return undefined;
      },
    };
  },
};
