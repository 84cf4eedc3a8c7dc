import type { Clock } from '../clock.js';
import type { ErrorCode } from '../errors/catalog.js';
import type { PortierConfig } from '../config/config-types.js';
import type { KeyDirectory } from '../accounts/key-directory.js';
import { createKeysApiTerminal } from '../accounts/keys-api/keys-api-terminal.js';
import { createTokenExchangeTerminal } from '../accounts/tokens/token-exchange-terminal.js';
import { createReferenceTerminal } from '../docs/reference-terminal.js';
import { localizerOf } from '../errors/localizer-of.js';
import { createListOperationsTerminal, createOperationResultTerminal, createShowOperationTerminal } from '../operations/operation-routes.js';
import type { Operations } from '../operations/operations.js';
import { createHealthTerminal, createReadyTerminal } from '../pipeline/health-terminal.js';
import type { Readiness } from './readiness.js';
import { createPortalTerminals, type PortalTerminals } from '../portal/portal-terminals.js';
import type { UsageReader } from '../usage/usage-types.js';
import type { Terminal } from '../pipeline/policy.js';
import { boundUsageParams, createUsageTerminal } from '../policies/rate-limit/usage-terminal.js';
import type { CounterBackend } from '../policies/rate-limit/shared-counters.js';
import { builtInRouteIds, builtInRoutesOf, type BuiltInRouteId } from '../routes/built-in-routes.js';

export interface BuiltInAnswerDeps {
  readonly clock: Clock;
  readonly counters: CounterBackend;
  readonly directory: KeyDirectory | undefined;
  readonly operations: Operations | undefined;
  readonly readiness: Readiness;
  /** Usage metering, when on: the portal's recent errors read it. */
  readonly usage?: UsageReader | undefined;
}

/** The answer of each built-in route this config turns on (see routes/built-in-routes.ts), by route id. */
export function createBuiltInAnswers(config: PortierConfig, deps: BuiltInAnswerDeps): Partial<Record<BuiltInRouteId, Terminal>> {
  const answers: Partial<Record<BuiltInRouteId, Terminal>> = {};
  const correlationHeader = config.correlation.header;
  let portal: PortalTerminals | undefined;
  for (const route of builtInRoutesOf(config)) answers[route.id] = answerOf(route.id);
  return answers;

  function answerOf(id: BuiltInRouteId): Terminal {
    const { auth } = config;
    switch (id) {
      case builtInRouteIds.health:
        return createHealthTerminal(correlationHeader);
      case builtInRouteIds.ready:
        return createReadyTerminal(deps.readiness, correlationHeader);
      case builtInRouteIds.accessToken:
        if (auth?.accessTokens === undefined) break;
        return createTokenExchangeTerminal(auth, auth.accessTokens, deps.clock, correlationHeader);
      case builtInRouteIds.keys:
      case builtInRouteIds.key:
      case builtInRouteIds.keyRotate:
        if (auth?.keysApi === undefined || deps.directory === undefined) break;
        // One terminal serves both keys routes: it answers by method.
        return (answers[builtInRouteIds.keys] ??= createKeysApiTerminal({ config: { ...config, auth }, keysApi: auth.keysApi, directory: deps.directory }));
      case builtInRouteIds.portalHome:
      case builtInRouteIds.portalPage:
      case builtInRouteIds.portalAsset:
      case builtInRouteIds.portalSession:
      case builtInRouteIds.portalAccount:
      case builtInRouteIds.portalKeys:
      case builtInRouteIds.portalErrors:
        if (config.portal === undefined || auth?.accessTokens === undefined || deps.directory === undefined) break;
        // One set of portal answers, each route picking its own.
        portal ??= createPortalTerminals({ config, auth, tokens: auth.accessTokens, portal: config.portal, directory: deps.directory, counters: deps.counters, clock: deps.clock, usage: deps.usage });
        return portal[id];
      case builtInRouteIds.usage:
        return createUsageTerminal(config, deps.counters, deps.clock);
      case builtInRouteIds.operationsList:
        if (deps.operations === undefined) break;
        return createListOperationsTerminal(deps.operations);
      case builtInRouteIds.operation:
        if (deps.operations === undefined) break;
        return createShowOperationTerminal(deps.operations);
      case builtInRouteIds.operationResult:
        if (deps.operations === undefined) break;
        return createOperationResultTerminal(deps.operations);
      case builtInRouteIds.errorReference:
      case builtInRouteIds.errorReferenceLanguage:
        return (answers[builtInRouteIds.errorReference] ??= createReferenceTerminal(localizerOf(config), config.errors.referencePath, correlationHeader));
    }
    throw new Error(`built-in route ${id} is on but what it needs was not opened`);
  }
}

/**
 * What each built-in route's own answer can refuse with, beyond the stages it runs (its key, access,
 * plan and limits): the OpenAPI document lists both.
 */
export const builtInAnswerCodes: Record<BuiltInRouteId, (config: PortierConfig) => readonly ErrorCode[]> = {
  health: () => [],
  ready: () => ['not_ready'],
  'access-token': () => [],
  'api-keys': () => ['invalid_json', 'validation_failed', 'payload_too_large', 'key_limit_reached'],
  'api-key': () => ['key_not_found'],
  'api-key-rotate': () => ['key_not_found', 'key_rotation_refused', 'key_limit_reached'],
  'portal-home': () => [],
  'portal-page': () => [],
  'portal-asset': () => ['not_found'],
  'portal-session': () => [],
  'portal-account': () => [],
  'portal-keys': () => [],
  'portal-errors': () => ['error_record_not_found'],
  'rate-limit-usage': (config) => (boundUsageParams(config).size > 0 ? ['key_not_bound'] : []),
  'operations-list': () => ['bad_request'],
  operation: (config) => ['operation_not_found', ...creatorCodes(config)],
  'operation-result': (config) => ['operation_not_found', ...creatorCodes(config), 'resource_not_ready', 'operation_timed_out'],
  'error-reference': () => [],
  'error-reference-language': () => ['not_found'],
};

/** An operation is shown only to a key that may call the route that created it: that route's scopes and binding. */
function creatorCodes(config: PortierConfig): ErrorCode[] {
  const creators = config.routes.flatMap((route) => (route.async !== undefined && route.auth !== undefined ? [route.auth] : []));
  const codes: ErrorCode[] = [];
  if (creators.some((auth) => auth.scopes.length > 0)) codes.push('access_denied');
  if (creators.some((auth) => auth.bindTo !== undefined)) codes.push('key_not_bound');
  return codes;
}
