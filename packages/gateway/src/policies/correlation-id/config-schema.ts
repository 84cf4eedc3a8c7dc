import { Type } from '@sinclair/typebox';
import { headerNamePattern } from '../../config/schema-constants.js';

/** The top-level `correlation` section. */
export const correlationSchema = Type.Object(
  {
    header: Type.String({
      pattern: headerNamePattern,
      default: 'X-Correlation-ID',
      description: 'Header that carries the correlation ID in both directions.',
    }),
  },
  { description: 'Correlation IDs, sent on every response and forwarded upstream.', additionalProperties: false, default: {} },
);
