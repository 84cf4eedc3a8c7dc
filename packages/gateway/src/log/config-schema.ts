import { Type } from '@sinclair/typebox';
import { Enum } from '../config/schema-builders.js';

/** The top-level `log` section. */
export const logSchema = Type.Object(
  {
    level: Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      default: 'info',
      description: 'Lowest level written; the access log is `info`.',
    }),
  },
  { description: 'The JSON access and error log on stdout.', additionalProperties: false, default: {} },
);
