import type { PortierConfig, RouteConfig } from '../config/config-types.js';
import type { ErrorCode } from '../errors/catalog.js';

/** Every route can answer these: malformed HTTP, refused targets and Expect values, sizes, timeouts, maintenance, our own failure. */
const everyRoute: readonly ErrorCode[] = [
  'bad_request',
  'invalid_request_target',
  'expectation_failed',
  'header_fields_too_large',
  'request_timeout',
  'payload_too_large',
  'method_not_allowed',
  'maintenance',
  'internal_error',
];
const proxied: readonly ErrorCode[] = ['service_unavailable', 'upstream_circuit_open', 'bad_gateway', 'gateway_timeout', 'upstream_client_error', 'upstream_server_error'];

/** The catalog codes a configured route can answer with, from what its config turns on. */
export function errorCodesOfRoute(route: RouteConfig, config: PortierConfig): ErrorCode[] {
  const codes = new Set<ErrorCode>(everyRoute);
  const plans = Object.values(config.plans);
  if (route.auth !== undefined) {
    for (const code of ['authentication_required', 'credentials_malformed', 'invalid_token', 'key_expired', 'key_revoked', 'key_obsolete', 'account_disabled'] as const) codes.add(code);
    if (Object.keys(config.auth?.instances ?? {}).length > 0) codes.add('wrong_instance');
    if (config.auth?.store.postgres !== undefined) codes.add('account_store_unavailable');
    if (config.auth?.accessTokens !== undefined) codes.add('access_token_expired');
    if (plans.some((plan) => plan.routes !== undefined)) codes.add('plan_excludes_route');
    if (route.auth.bindTo !== undefined) codes.add('key_not_bound');
    if (route.auth.scopes.length > 0) codes.add('access_denied');
    if (plans.some((plan) => plan.trialDays !== undefined)) codes.add('trial_expired');
    if (route.auth.feature !== undefined) codes.add('feature_not_in_plan');
    if (route.auth.entity?.action === 'create') codes.add('entity_limit_reached');
  }
  const limited = (route.limits ?? []).length > 0 || (route.auth !== undefined && plans.some((plan) => (plan.limits ?? []).length > 0));
  if (limited) codes.add('rate_limited');
  const closedLimit = [...(route.limits ?? []), ...plans.flatMap((plan) => plan.limits ?? [])].some((limit) => limit.whenStoreDown === 'closed');
  if (limited && config.rateLimits.redis !== undefined && closedLimit) codes.add('rate_limiter_unavailable');
  if (route.validation !== undefined) for (const code of ['invalid_json', 'unsupported_media_type', 'validation_failed'] as const) codes.add(code);
  if (route.idempotency !== undefined) {
    for (const code of ['idempotency_key_invalid', 'idempotency_key_mismatch', 'idempotency_request_in_flight'] as const) codes.add(code);
    if (route.idempotency.required) codes.add('idempotency_key_required');
    if (config.idempotency.redis !== undefined) codes.add('service_unavailable');
  }
  if (route.async !== undefined) codes.add('operation_queue_full');
  else for (const code of proxied) codes.add(code);
  return [...codes];
}
