import type { Static, TSchema } from '@sinclair/typebox';
import type { keyCacheSchema } from '../accounts/config-schema.js';
import type { keysApiSchema } from '../accounts/keys-api/config-schema.js';
import type { operationListSchema, asyncRouteSchema, operationsSchema } from '../operations/config-schema.js';
import type { authSchema, credentialSchemeSchema, routeAuthSchema } from '../policies/api-key-auth/config-schema.js';
import type { idempotencySchema, routeIdempotencySchema } from '../policies/idempotency/config-schema.js';
import type { maintenanceSwitchSchema } from '../policies/maintenance/config-schema.js';
import type { featureConditionSchema, planSchema } from '../policies/plan/config-schema.js';
import type { upstreamSchema } from '../policies/proxy/config-schema.js';
import type { limitSchema, limitSubjectSchema, redisLimitsSchema } from '../policies/rate-limit/config-schema.js';
import type { validationSchema } from '../policies/request-validation/config-schema.js';
import type { postgresSectionSchema } from '../postgres/config-schema.js';
import type { DeepReadonly } from './deep-readonly.js';
import type { httpMethods } from './schema-constants.js';
import type { loadedConfigSchema, routeSchema } from './schema.js';

/**
 * Types of a loaded config: the schema with every default filled in, frozen. Derived from the section
 * schemas, so they cannot drift from what Ajv checks.
 */
type Loaded<Schema extends TSchema> = DeepReadonly<Static<Schema>>;

export type HttpMethod = (typeof httpMethods)[number];

export type LimitSubject = Static<typeof limitSubjectSchema>;

export type LimitConfig = Loaded<typeof limitSchema>;

export type RedisLimitsConfig = Loaded<typeof redisLimitsSchema>;

export type ValidationConfig = Loaded<typeof validationSchema>;

export type MaintenanceConfig = Loaded<typeof maintenanceSwitchSchema>;

export type UpstreamConfig = Loaded<typeof upstreamSchema>;

export type FeatureCondition = Loaded<typeof featureConditionSchema>;

export type RouteAuthConfig = Loaded<typeof routeAuthSchema>;

export type CredentialScheme = Static<typeof credentialSchemeSchema>;

export type AuthConfig = Loaded<typeof authSchema>;

/** Bounds of the in-memory key cache (`auth.keyCache`). */
export type KeyCacheConfig = Loaded<typeof keyCacheSchema>;

/** A PostgreSQL store (`auth.store.postgres`, `operations.postgres`). */
export type PostgresStoreConfig = Loaded<ReturnType<typeof postgresSectionSchema>>;

/** Self-service keys: key holders manage their own account's keys at `path`. */
export type KeysApiConfig = Loaded<typeof keysApiSchema>;

export type PlanConfig = Loaded<typeof planSchema>;

export type RouteIdempotencyConfig = Loaded<typeof routeIdempotencySchema>;

export type AsyncRouteConfig = Loaded<typeof asyncRouteSchema>;

export type IdempotencyConfig = Loaded<typeof idempotencySchema>;

export type OperationsConfig = Loaded<typeof operationsSchema>;

/** `GET <operations.path>`: how the caller's operations are paged and what the answer looks like. */
export type OperationListConfig = Loaded<typeof operationListSchema>;

export type RouteConfig = Loaded<typeof routeSchema>;

export type PortierConfig = Loaded<typeof loadedConfigSchema>;
