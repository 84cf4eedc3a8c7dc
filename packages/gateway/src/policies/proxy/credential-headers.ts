import type { PortierConfig, RouteConfig } from '../../config/config-types.js';
import type { ForwardOptions } from './forward-headers.js';
import { traceContextHeaders } from '../../tracing/tracing.js';

/** Headers that carry the caller's key, removed before forwarding unless the config says otherwise. */
export function credentialHeaders(config: PortierConfig): ReadonlySet<string> {
  const auth = config.auth;
  if (auth === undefined || auth.forwardCredentials) return new Set();
  return new Set(auth.schemes.includes('header') ? ['authorization', auth.header.toLowerCase()] : ['authorization']);
}

/**
 * Headers kept out of the operation queue, where a request waits in plain text for the retention
 * period: every credential and cookie, whatever `auth.forwardCredentials` says, unless the route opts
 * in with `async.forwardCredentials` (which `config check` warns about).
 */
export function queuedCredentialHeaders(config: PortierConfig, route: RouteConfig): ReadonlySet<string> {
  if (route.async?.forwardCredentials === true) return new Set();
  const names = ['authorization', 'proxy-authorization', 'cookie'];
  if (config.auth !== undefined) names.push(config.auth.header.toLowerCase());
  return new Set(names);
}

/**
 * How a request is forwarded from this deployment, without the headers in `dropHeaders`. While tracing
 * is on, the caller's `traceparent` and `tracestate` are not copied either: the gateway sends its own,
 * naming its span as the upstream's parent (off, they pass through as the caller sent them).
 */
export function forwardOptionsOf(config: PortierConfig, dropHeaders: ReadonlySet<string>): ForwardOptions {
  const dropped = config.tracing.enabled ? new Set([...dropHeaders, ...traceContextHeaders]) : dropHeaders;
  return { correlationHeader: config.correlation.header.toLowerCase(), trustForwardedHeaders: config.server.trustForwardedHeaders, dropHeaders: dropped };
}
