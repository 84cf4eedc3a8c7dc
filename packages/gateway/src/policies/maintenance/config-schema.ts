import { Type } from '@sinclair/typebox';

const switchProperties = {
  enabled: Type.Boolean({ default: false, description: 'Whether maintenance mode is on.' }),
  message: Type.String({
    minLength: 1,
    maxLength: 500,
    default: 'The API is down for scheduled maintenance.',
    description: 'Operator message shown as the error detail.',
  }),
  retryAfterSeconds: Type.Integer({
    minimum: 1,
    maximum: 604800,
    default: 300,
    description: 'Value of the Retry-After header sent with the 503.',
  }),
};

/** Route `maintenance`: a switch for one route. */
export const maintenanceSwitchSchema = Type.Object(switchProperties, {
  description: 'A maintenance switch: while enabled, matching requests get 503 `maintenance`.',
  additionalProperties: false,
});

/** The top-level `maintenance` section: the same switch for every route, with exceptions. */
export const globalMaintenanceSchema = Type.Object(
  {
    ...switchProperties,
    allowRoutes: Type.Array(Type.String({ description: 'A route id.' }), {
      uniqueItems: true,
      default: ['health', 'ready'],
      description: 'Route ids that stay reachable during global maintenance.',
    }),
  },
  {
    description: 'Global maintenance switch: every route except those in `allowRoutes` answers 503 `maintenance`.',
    additionalProperties: false,
    default: {},
  },
);
