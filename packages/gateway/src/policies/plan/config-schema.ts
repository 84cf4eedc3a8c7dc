import { Type } from '@sinclair/typebox';
import { Enum, MapOf } from '../../config/schema-builders.js';
import { idPattern } from '../../config/schema-constants.js';
import { limitListSchema } from '../rate-limit/config-schema.js';

/** A plan under `plans`. */
export const planSchema = Type.Object(
  {
    features: Type.Array(Type.String({ pattern: idPattern, description: 'A feature name routes can require.' }), {
      uniqueItems: true,
      default: [],
      description: 'Features this plan includes.',
    }),
    trialDays: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 36500,
        description: 'Length of the trial: accounts on this plan get 402 `trial_expired` once it is over. Default: no trial.',
      }),
    ),
    routes: Type.Optional(
      Type.Array(Type.String({ description: 'A route id.' }), {
        uniqueItems: true,
        description: 'Route ids this plan may call (403 `plan_excludes_route` otherwise). Default: every route.',
      }),
    ),
    limits: Type.Optional(limitListSchema('Rate limits and quotas of accounts on this plan, on every keyed route (see route `limits`).')),
    entities: MapOf(Type.Integer({ minimum: 0, description: 'The limit.' }), {
      description: 'Most entities of each kind an account may have (for example `companies: 50`); see route `entity`.',
      propertyNames: { pattern: idPattern },
      default: {},
    }),
  },
  { description: 'A plan that accounts are on.', additionalProperties: false },
);

/** The top-level `plans` section. */
export const plansSchema = MapOf(planSchema, {
  description: 'Plans by name; accounts reference one.',
  propertyNames: { pattern: idPattern },
  default: {},
});

/** Route `auth.featureWhen`: when the route's `feature` is needed. */
export const featureConditionSchema = Type.Object(
  {
    pointer: Type.String({
      pattern: '^(/[^/]*)*$',
      description:
        'JSON pointer of the value, such as `/syncSchedule`; a `*` segment stands for every item of an array (or member of an object), and the condition matches when any of them does (`/settings/*/syncSchedule`).',
    }),
    lessThan: Type.Optional(Type.Number({ description: 'Matches when the value is a number below this.' })),
    greaterThan: Type.Optional(Type.Number({ description: 'Matches when the value is a number above this.' })),
    equals: Type.Optional(Type.Unknown({ description: 'Matches when the value equals this (any JSON value).' })),
  },
  {
    description:
      'Require `feature` only when the JSON body matches this condition (for example `syncSchedule` below 24 hours). The body is then read before forwarding.',
    additionalProperties: false,
    minProperties: 2,
  },
);

/** Route `auth.entity`: the route creates or deletes an entity counted by the plan. */
export const routeEntitySchema = Type.Object(
  {
    name: Type.String({ pattern: idPattern, description: 'Entity name, as in the plans\' `entities`.' }),
    action: Enum(['create', 'delete'], { description: 'What a successful request does to the count.' }),
  },
  {
    description:
      'This route creates or deletes an entity counted against the plan\'s `entities` limit: a create takes a slot before forwarding (402 `entity_limit_reached` when none is free) and gives it back if the upstream fails; a delete frees one once the upstream answers 2xx.',
    additionalProperties: false,
  },
);
