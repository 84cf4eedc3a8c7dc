import { Type } from '@sinclair/typebox';
import { adminSchema } from '../admin/config-schema.js';
import { routeEnvelopeSchema, errorsSchema } from '../errors/config-schema.js';
import { logSchema } from '../log/config-schema.js';
import { asyncRouteSchema, operationsSchema } from '../operations/config-schema.js';
import { usageSchema } from '../usage/config-schema.js';
import { authSchema, routeAuthSchema } from '../policies/api-key-auth/config-schema.js';
import { correlationSchema } from '../policies/correlation-id/config-schema.js';
import { corsSchema } from '../policies/cors/config-schema.js';
import { idempotencySchema, routeIdempotencySchema } from '../policies/idempotency/config-schema.js';
import { globalMaintenanceSchema, maintenanceSwitchSchema } from '../policies/maintenance/config-schema.js';
import { plansSchema } from '../policies/plan/config-schema.js';
import { upstreamsSchema } from '../policies/proxy/config-schema.js';
import { limitListSchema, rateLimitsSchema, routeCostSchema } from '../policies/rate-limit/config-schema.js';
import { routeMaxBodyBytesSchema } from '../policies/request-body/config-schema.js';
import { validationSchema } from '../policies/request-validation/config-schema.js';
import { routeTargetProperties } from '../policies/routing/config-schema.js';
import { serverSchema } from '../server/config-schema.js';
import { tracingSchema } from '../tracing/config-schema.js';
import { withDefaultsOptional } from './defaults-optional.js';

/*
 * JSON Schema of portier.yaml, put together from the sections, each written next to the code it
 * configures. Every field has a description: docs/config.md is generated from them. Defaults are filled
 * in at load time, so the rest of the code never guesses a default; config-types.ts derives the loaded
 * types from these schemas.
 */

/** A route: its place in the route table, then the settings of each policy that runs on it. */
export const routeSchema = Type.Object(
  {
    ...routeTargetProperties,
    maxBodyBytes: Type.Optional(routeMaxBodyBytesSchema),
    envelope: Type.Optional(routeEnvelopeSchema),
    maintenance: Type.Optional(maintenanceSwitchSchema),
    limits: Type.Optional(limitListSchema('Limits of this route; a route limit replaces a plan limit of the same name.')),
    validation: Type.Optional(validationSchema),
    idempotency: Type.Optional(routeIdempotencySchema),
    async: Type.Optional(asyncRouteSchema),
    cost: routeCostSchema,
    auth: Type.Optional(routeAuthSchema),
  },
  { description: 'A public path of the API and who answers it: an upstream, or the app Portier is embedded in.', additionalProperties: false },
);

/** The whole file as loaded: every property with a default is listed as present (see `withDefaultsOptional`). */
export const loadedConfigSchema = Type.Object(
  {
    server: serverSchema,
    errors: errorsSchema,
    cors: Type.Optional(corsSchema),
    correlation: correlationSchema,
    log: logSchema,
    tracing: tracingSchema,
    maintenance: globalMaintenanceSchema,
    admin: Type.Optional(adminSchema),
    auth: Type.Optional(authSchema),
    plans: plansSchema,
    rateLimits: rateLimitsSchema,
    idempotency: idempotencySchema,
    operations: operationsSchema,
    usage: usageSchema,
    upstreams: upstreamsSchema,
    routes: Type.Array(routeSchema, { description: 'The public routes, matched by path then method.', minItems: 1 }),
  },
  {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'portier.yaml',
    description: 'Configuration of one Portier deployment.',
    additionalProperties: false,
  },
);

/** The schema a config file is checked against (Ajv with `useDefaults`). */
export const configSchema = withDefaultsOptional(loadedConfigSchema);

export { httpMethods, idPattern, scopePattern } from './schema-constants.js';
