import { Type } from '@sinclair/typebox';
import { keyCacheSchema } from '../../accounts/config-schema.js';
import { keysApiSchema } from '../../accounts/keys-api/config-schema.js';
import { accountStoreSchema } from '../../accounts/store/config-schema.js';
import { accessTokensSchema } from '../../accounts/tokens/config-schema.js';
import { Enum, MapOf } from '../../config/schema-builders.js';
import { headerNamePattern, idPattern, scopePattern } from '../../config/schema-constants.js';
import { featureConditionSchema, routeEntitySchema } from '../plan/config-schema.js';

const instancePattern = '^[a-z][a-z0-9]{0,15}$';

/** A way of sending the key (`auth.schemes`). */
export const credentialSchemeSchema = Enum(['bearer', 'token', 'basic', 'header'], { description: 'A way of sending the key.' });

/** The top-level `auth` section: API keys. */
export const authSchema = Type.Object(
  {
    instance: Type.String({
      pattern: instancePattern,
      description: 'Name of this deployment (for example `eu1`); part of every key it issues.',
    }),
    environment: Enum(['live', 'test'], {
      default: 'live',
      description: 'Key environment, part of every key it issues; a key of the other environment is refused.',
    }),
    instances: MapOf(Type.String({ pattern: '^https?://', description: 'Base URL of that instance.' }), {
      description:
        'Other deployments by instance name and base URL: a key of one of them gets 401 `wrong_instance` naming the URL to use.',
      propertyNames: { pattern: instancePattern },
      default: {},
    }),
    schemes: Type.Array(credentialSchemeSchema, {
      minItems: 1,
      uniqueItems: true,
      default: ['bearer'],
      description:
        '`bearer`: `Authorization: Bearer <key>`; `token`: `Authorization: Token <key>`; `basic`: `Authorization: Basic <base64 of key>`; `header`: the key alone in `header`.',
    }),
    header: Type.String({
      pattern: headerNamePattern,
      default: 'X-API-Key',
      description: 'Header read by the `header` scheme.',
    }),
    forwardCredentials: Type.Boolean({
      default: false,
      description: 'Forward the caller\'s key to the upstream. By default it is removed and X-Portier-Account-Id / X-Portier-Key-Id are sent instead. Async routes never queue it unless they say so (`async.forwardCredentials`).',
    }),
    maxKeysPerAccount: Type.Integer({
      minimum: 1,
      maximum: 10000,
      default: 10,
      description: 'Active keys an account may have; creating one more is 409 `key_limit_reached`.',
    }),
    rotationGraceSeconds: Type.Integer({
      minimum: 0,
      maximum: 31536000,
      default: 86400,
      description: 'After a rotation, how long the old key keeps working before it is 403 `key_obsolete`.',
    }),
    accessTokens: Type.Optional(accessTokensSchema),
    keysApi: Type.Optional(keysApiSchema),
    store: accountStoreSchema,
    keyCache: keyCacheSchema,
  },
  {
    description: 'API keys: how they look, how callers send them, where they are stored.',
    additionalProperties: false,
  },
);

/** Route `auth`: who may call the route. */
export const routeAuthSchema = Type.Object(
  {
    required: Type.Boolean({
      default: true,
      description: 'Whether an API key (or access token) is required; 401 without one.',
    }),
    scopes: Type.Array(Type.String({ pattern: scopePattern, description: 'A scope such as `rows:read`.' }), {
      uniqueItems: true,
      default: [],
      description: 'Scopes the key must all have (403 `access_denied` naming the first one missing).',
    }),
    bindTo: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
        description:
          'Route parameter that names the resource; a key with resource bindings may only use values it is bound to (403 `key_not_bound`).',
      }),
    ),
    feature: Type.Optional(
      Type.String({
        pattern: idPattern,
        description: 'Plan feature the account needs for this route (402 `feature_not_in_plan` without it).',
      }),
    ),
    featureWhen: Type.Optional(featureConditionSchema),
    entity: Type.Optional(routeEntitySchema),
  },
  {
    description: 'Who may call this route. Needs the top-level `auth` section. Without it the route is public.',
    additionalProperties: false,
  },
);
