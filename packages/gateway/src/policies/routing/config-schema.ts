import { Type } from '@sinclair/typebox';
import { Enum } from '../../config/schema-builders.js';
import { httpMethods, idPattern, pathPattern } from '../../config/schema-constants.js';
import { routeAppSchema } from '../app/config-schema.js';

/** The route fields that place a route in the route table: its id, path, methods and who answers it (an upstream or the app). */
export const routeTargetProperties = {
  id: Type.String({
    pattern: idPattern,
    description: 'Stable identifier: used in logs, metrics and maintenance allow-lists.',
  }),
  path: Type.String({
    pattern: pathPattern,
    description: 'Path pattern; `:name` is a parameter (`/v1/bases/:base/rows`), `*` at the end matches the rest.',
  }),
  methods: Type.Array(Enum(httpMethods, { description: 'An HTTP method.' }), {
    minItems: 1,
    uniqueItems: true,
    default: ['GET'],
    description: 'HTTP methods this route accepts; others get 405 `method_not_allowed` with an Allow header.',
  }),
  upstream: Type.Optional(Type.String({ description: 'Key of the upstream (under `upstreams`) that serves this route. Required unless the route sets `app`.' })),
  app: Type.Optional(routeAppSchema),
};
