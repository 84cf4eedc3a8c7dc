import { accessStage } from './access/index.js';
import { appStage } from './app/index.js';
import { apiKeyAuthStage } from './api-key-auth/index.js';
import { asyncStage } from './async/index.js';
import { correlationIdStage } from './correlation-id/index.js';
import { corsStage } from './cors/index.js';
import { featureConditionStage } from './feature-condition/index.js';
import { idempotencyStage } from './idempotency/index.js';
import { maintenanceStage } from './maintenance/index.js';
import { planStage } from './plan/index.js';
import { proxyStage } from './proxy/index.js';
import { rateLimitStage } from './rate-limit/index.js';
import { requestBodyStage } from './request-body/index.js';
import { requestFramingStage } from './request-framing/index.js';
import { requestTargetStage } from './request-target/index.js';
import { requestValidationStage } from './request-validation/index.js';
import { routingStage } from './routing/index.js';

/**
 * The lifecycle of a request: every stage, in the order it runs. The pipeline runs what this lists
 * and nothing else decides the order; the README's stage table and docs/lifecycle.md are generated
 * from it. The request stages run for every request, before a route is known; the route stages are
 * compiled per route, each only where its settings say the route needs it; the wrappers go around the
 * route's answer, and the first answering stage with settings is that answer (a built-in route has
 * its own).
 */
export const requestStages = [correlationIdStage, requestTargetStage, requestFramingStage, corsStage, routingStage] as const;

export const routeStages = [
  maintenanceStage,
  apiKeyAuthStage,
  accessStage,
  planStage,
  rateLimitStage,
  requestBodyStage,
  featureConditionStage,
  requestValidationStage,
  idempotencyStage,
  asyncStage,
  appStage,
  proxyStage,
] as const;

export const lifecycle = [...requestStages, ...routeStages] as const;
