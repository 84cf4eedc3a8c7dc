import type { RouteAuthConfig } from '../../config/config-types.js';
import type { ErrorCode } from '../../errors/catalog.js';
import type { RouteStageModule } from '../../pipeline/policy.js';
import { createApiKeyAuthPolicy, type ApiKeyAuthDependencies } from './policy.js';
import { checkFields } from '../../templates/check-fields.js';
import { accessTokenFields, keyTemplateFields } from '../../templates/template-fields.js';

export interface ApiKeyAuthSettings {
  readonly routeAuth: RouteAuthConfig;
  /** Whether a short-lived access token may stand in for the key. */
  readonly acceptTokens: boolean;
}

export const apiKeyAuthStage: RouteStageModule<'api-key-auth', ApiKeyAuthSettings, ApiKeyAuthDependencies | undefined> = {
  name: 'api-key-auth',
  scope: 'route',
  summary: 'finds the key (Bearer, Token, Basic or a header), checks its form and checksum, verifies its hash in constant time from an in-memory cache',
  emits: ['authentication_required', 'credentials_malformed', 'invalid_token', 'key_expired', 'access_token_expired', 'wrong_instance', 'account_store_unavailable', 'account_store_busy'],
  settingsOf(route, config) {
    if (route.auth === undefined || config.auth === undefined) return undefined;
    return { routeAuth: route.auth, acceptTokens: route.keyed?.acceptTokens ?? true };
  },
  codes(settings, config) {
    const auth = config.auth;
    const codes: ErrorCode[] = ['authentication_required', 'credentials_malformed', 'invalid_token', 'key_expired'];
    if (Object.keys(auth?.instances ?? {}).length > 0) codes.push('wrong_instance');
    if (auth?.store.postgres !== undefined) codes.push('account_store_unavailable');
    codes.push('account_store_busy');
    if (settings.acceptTokens && auth?.accessTokens !== undefined) codes.push('access_token_expired');
    return codes;
  },
  checkConfig(config, report) {
    checkFields(config.auth?.accessTokens?.response, accessTokenFields, 'the token answer template', ['auth', 'accessTokens', 'response'], report);
    checkFields(config.auth?.keysApi?.key, keyTemplateFields, 'the key template', ['auth', 'keysApi', 'key'], report);
    checkFields(config.auth?.keysApi?.list, ['keys'], 'the key list template', ['auth', 'keysApi', 'list'], report);
  },
  checkRoute(route, index, config, report) {
    if (route.auth !== undefined && config.auth === undefined) report(['routes', index, 'auth'], 'route auth needs the top-level `auth` section');
  },
  create(settings, deps) {
    if (deps === undefined) throw new Error('api-key-auth needs the key directory: config check requires the auth section');
    return createApiKeyAuthPolicy(settings.routeAuth, deps, { acceptTokens: settings.acceptTokens });
  },
};
