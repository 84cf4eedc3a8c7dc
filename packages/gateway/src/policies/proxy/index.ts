import type { Clock } from '../../clock.js';
import type { ValidationConfig } from '../../config/config-types.js';
import type { Logger } from '../../log/create-logger.js';
import type { TerminalStageModule } from '../../pipeline/policy.js';
import { credentialHeaders, forwardOptionsOf } from './credential-headers.js';
import type { ForwardOptions } from './forward-headers.js';
import { createProxyTerminal } from './policy.js';
import type { UpstreamClient } from './upstream-client.js';

export interface ProxySettings {
  readonly routeId: string;
  readonly upstream: string;
  readonly forward: ForwardOptions;
  readonly maxBodyBytes: number;
  readonly warningsInBody: ValidationConfig['warningsInBody'];
}

export interface ProxyDeps {
  /** One pool and breaker per configured upstream, by name. */
  readonly upstreams: ReadonlyMap<string, UpstreamClient>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The answer of every configured route that has an upstream and is not async. */
export const proxyStage: TerminalStageModule<'proxy', ProxySettings, ProxyDeps> = {
  name: 'proxy',
  scope: 'terminal',
  summary: 'one undici pool per upstream, bodies streamed both ways, hop-by-hop headers dropped, `X-Forwarded-*` set, circuit breaker; upstream 4xx/5xx passed through or normalized',
  emits: ['payload_too_large', 'service_unavailable', 'upstream_circuit_open', 'bad_gateway', 'gateway_timeout', 'upstream_client_error', 'upstream_server_error'],
  settingsOf(route, config) {
    const configured = route.config;
    if (configured?.upstream === undefined) return undefined;
    return {
      routeId: route.id,
      upstream: configured.upstream,
      forward: forwardOptionsOf(config, credentialHeaders(config)),
      maxBodyBytes: route.maxBodyBytes,
      warningsInBody: configured.validation?.warningsInBody,
    };
  },
  codes: () => ['service_unavailable', 'upstream_circuit_open', 'bad_gateway', 'gateway_timeout', 'upstream_client_error', 'upstream_server_error'],
  checkRoute(route, index, config, report) {
    if (typeof route.upstream === 'string' && !(route.upstream in (config.upstreams ?? {}))) {
      report(['routes', index, 'upstream'], `upstream "${route.upstream}" is not defined under upstreams`);
    }
  },
  create(settings, { upstreams, clock, logger }) {
    const upstream = upstreams.get(settings.upstream);
    if (upstream === undefined) throw new Error(`route ${settings.routeId}: upstream ${settings.upstream} was not created`);
    return createProxyTerminal(upstream, {
      ...settings.forward,
      maxBodyBytes: settings.maxBodyBytes,
      clock,
      warningsInBody: settings.warningsInBody,
      unavailableRetryAfterSeconds: upstream.config.unavailableRetryAfterSeconds,
      logger,
    });
  },
};
