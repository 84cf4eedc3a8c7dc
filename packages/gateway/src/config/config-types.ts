import type { EnvelopeName } from '../envelopes/renderers.js';
import type { TextOverrides } from '../errors/localizer.js';
import type { LogLevel } from '../log/create-logger.js';
import type { httpMethods } from './schema.js';

/** Types of a loaded config: the schema with every default filled in. Kept in step with schema.ts. */

export type HttpMethod = (typeof httpMethods)[number];

export type LimitSubject = 'key' | 'account' | 'ip' | 'route' | `param:${string}`;

export interface LimitConfig {
  readonly name: string;
  readonly limit: number;
  readonly per: string;
  readonly algorithm: 'sliding' | 'fixed';
  readonly timeZone: string;
  readonly whenStoreDown: 'open' | 'closed' | 'local';
  readonly by: readonly LimitSubject[];
}

export interface RedisLimitsConfig {
  readonly url: string;
  readonly timeoutMs: number;
  readonly keyPrefix: string;
  readonly cluster: boolean;
  readonly replicas: number;
  readonly retryAfterSeconds: number;
}

export interface ValidationConfig {
  readonly openapi?: string;
  readonly body?: Readonly<Record<string, unknown>>;
  readonly query?: Readonly<Record<string, unknown>>;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly maxDepth: number;
  readonly warningsInBody?: { readonly pointer: string; readonly as: 'messages' | 'items' | 'codat' };
}

export interface MaintenanceConfig {
  readonly enabled: boolean;
  readonly message: string;
  readonly retryAfterSeconds: number;
}

export interface UpstreamConfig {
  readonly url: string;
  readonly serviceName?: string;
  readonly connections: number;
  readonly connectTimeoutMs: number;
  readonly responseTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly errors: 'passthrough' | 'normalize';
  readonly unavailableRetryAfterSeconds: number;
  readonly circuitBreaker: { readonly failureThreshold: number; readonly openMs: number };
}

export interface FeatureCondition {
  readonly pointer: string;
  readonly lessThan?: number;
  readonly greaterThan?: number;
  readonly equals?: unknown;
}

export interface RouteAuthConfig {
  readonly required: boolean;
  readonly scopes: readonly string[];
  readonly bindTo?: string;
  readonly feature?: string;
  readonly featureWhen?: FeatureCondition;
  readonly entity?: { readonly name: string; readonly action: 'create' | 'delete' };
}

export type CredentialScheme = 'bearer' | 'token' | 'basic' | 'header';

export interface AuthConfig {
  readonly instance: string;
  readonly environment: 'live' | 'test';
  readonly instances: Readonly<Record<string, string>>;
  readonly schemes: readonly CredentialScheme[];
  readonly header: string;
  readonly forwardCredentials: boolean;
  readonly maxKeysPerAccount: number;
  readonly rotationGraceSeconds: number;
  readonly accessTokens?: {
    readonly path: string;
    readonly secret: string;
    readonly ttlSeconds: number;
    readonly response: Readonly<Record<string, unknown>>;
  };
  readonly keysApi?: KeysApiConfig;
  readonly store: { readonly sqlitePath: string; readonly postgres?: PostgresStoreConfig };
}

/** The shared account store (`auth.store.postgres`). */
export interface PostgresStoreConfig {
  readonly url: string;
  /** PostgreSQL schema (namespace) holding the tables; created if missing. */
  readonly schema: string;
  readonly poolSize: number;
  readonly connectTimeoutMs: number;
  readonly queryTimeoutMs: number;
}

/** Self-service keys: key holders manage their own account's keys at `path`. */
export interface KeysApiConfig {
  readonly path: string;
  readonly scopes: readonly string[];
  /** Body of one key (create answer, list items). */
  readonly key: Readonly<Record<string, unknown>>;
  /** Body of the list answer; `{keys}` is the array of keys. */
  readonly list: Readonly<Record<string, unknown>>;
}

export interface PlanConfig {
  readonly features: readonly string[];
  readonly trialDays?: number;
  readonly routes?: readonly string[];
  readonly limits?: readonly LimitConfig[];
  readonly entities: Readonly<Record<string, number>>;
}

export interface RouteIdempotencyConfig {
  readonly methods: readonly HttpMethod[];
  readonly required: boolean;
}

export interface AsyncRouteConfig {
  readonly deadline: string;
  readonly forwardCredentials: boolean;
  readonly body?: Readonly<Record<string, unknown>>;
  readonly webhook?: { readonly url: string; readonly secret: string; readonly maxAttempts: number };
}

export interface IdempotencyConfig {
  readonly ttl: string;
  readonly lockTimeoutMs: number;
  readonly maxStoredBodyBytes: number;
  readonly sqlitePath?: string;
  readonly redis?: { readonly url: string; readonly keyPrefix: string; readonly timeoutMs: number };
}

export interface OperationsConfig {
  readonly path: string;
  readonly sqlitePath?: string;
  readonly postgres?: PostgresStoreConfig;
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly maxPending: number;
  readonly retry: { readonly baseDelayMs: number; readonly maxDelayMs: number };
  readonly retention: string;
  readonly maxResultBytes: number;
  readonly pollAfterSeconds: number;
  readonly body?: Readonly<Record<string, unknown>>;
  readonly list: OperationListConfig;
}

/** `GET <operations.path>`: how the caller's operations are paged and what the answer looks like. */
export interface OperationListConfig {
  readonly paging: 'cursor' | 'page';
  readonly body?: Readonly<Record<string, unknown>>;
}

export interface RouteConfig {
  readonly id: string;
  readonly path: string;
  readonly methods: readonly HttpMethod[];
  readonly upstream: string;
  readonly maxBodyBytes?: number;
  readonly envelope?: EnvelopeName;
  readonly maintenance?: MaintenanceConfig;
  readonly limits?: readonly LimitConfig[];
  readonly validation?: ValidationConfig;
  readonly cost: number;
  readonly auth?: RouteAuthConfig;
  readonly idempotency?: RouteIdempotencyConfig;
  readonly async?: AsyncRouteConfig;
}

export interface PortierConfig {
  readonly server: {
    readonly host: string;
    readonly port: number;
    readonly maxBodyBytes: number;
    readonly maxHeaderBytes: number;
    readonly headersTimeoutMs: number;
    readonly requestTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
    readonly shutdownGraceMs: number;
    readonly healthPath: string;
    readonly trustForwardedHeaders: boolean;
  };
  readonly errors: {
    readonly envelope: EnvelopeName;
    readonly typeBaseUrl: string;
    readonly service: string;
    readonly language: string;
    readonly languages: readonly string[];
    readonly negotiate: 'problem' | 'all' | 'none';
    readonly texts: TextOverrides;
    readonly referencePath: string;
    readonly serveReference: boolean;
  };
  readonly correlation: { readonly header: string };
  readonly cors?: {
    readonly origins: readonly string[];
    readonly allowHeaders: readonly string[];
    readonly exposeHeaders: readonly string[];
    readonly maxAgeSeconds: number;
    readonly credentials: boolean;
  };
  readonly log: { readonly level: LogLevel };
  readonly maintenance: MaintenanceConfig & { readonly allowRoutes: readonly string[] };
  readonly admin?: { readonly host: string; readonly port: number; readonly token: string };
  readonly auth?: AuthConfig;
  readonly plans: Readonly<Record<string, PlanConfig>>;
  readonly rateLimits: {
    readonly redis?: RedisLimitsConfig;
    readonly sqlitePath?: string;
    readonly usagePath?: string;
    readonly maxTrackedCounters: number;
    readonly headers: readonly ('ietf' | 'x-ratelimit' | 'x-rate-limit')[];
  };
  readonly idempotency: IdempotencyConfig;
  readonly operations: OperationsConfig;
  readonly upstreams: Readonly<Record<string, UpstreamConfig>>;
  readonly routes: readonly RouteConfig[];
}
