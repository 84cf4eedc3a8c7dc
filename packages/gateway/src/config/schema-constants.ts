/** Patterns and lists shared by several sections of the config schema; plain constants, no imports. */

export const httpMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Ids of routes, plans, features, entities and upstream keys. */
export const idPattern = '^[a-z0-9][a-z0-9_.-]{0,63}$';

/** Key scopes such as `rows:read`. */
export const scopePattern = '^[a-z][a-z0-9_.-]*(:[a-z][a-z0-9_.-]*)*$';

/** Paths of routes the gateway serves itself (`server.healthPath`, `rateLimits.usagePath`...). */
export const pathPattern = '^/[^\\s?#]*$';

/** Redis URLs (`rateLimits.redis`, `idempotency.redis`). */
export const redisUrlPattern = '^rediss?://';

/** Header names. */
export const headerNamePattern = '^[A-Za-z0-9-]+$';
