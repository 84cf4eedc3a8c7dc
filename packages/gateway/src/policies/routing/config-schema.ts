import { Type } from '@sinclair/typebox';
import { Enum } from '../../config/schema-builders.js';
import { httpMethods, idPattern, pathPattern } from '../../config/schema-constants.js';

/** The route fields that place a route in the route table: its id, path, methods and upstream. */
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
  upstream: Type.String({ description: 'Key of the upstream (under `upstreams`) that serves this route.' }),
};
