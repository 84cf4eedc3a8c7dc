import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PortierConfig } from '../../src/config/config-types.js';
import { parseConfig } from '../../src/config-loader/load-config.js';
import { RequestContext } from '../../src/pipeline/request-context.js';

/** What a policy's unit test says about a request: no socket, no server. */
export interface RequestShape {
  readonly method?: string;
  readonly url?: string;
  readonly headers?: Record<string, string>;
  readonly remoteAddress?: string;
}

/**
 * A request context for calling a policy directly. Policies read the request's method, target,
 * headers and peer address; only terminals write a response, so none is given here.
 */
export function policyContext(shape: RequestShape = {}): RequestContext {
  const req = { method: shape.method ?? 'GET', url: shape.url ?? '/', headers: shape.headers ?? {}, socket: { remoteAddress: shape.remoteAddress ?? '127.0.0.1' } };
  const ctx = new RequestContext(req as unknown as IncomingMessage, undefined as unknown as ServerResponse, 0);
  ctx.path = (shape.url ?? '/').split('?')[0] as string;
  return ctx;
}

/** A loaded config from YAML text, or the test fails with the problems. */
export function configOf(yaml: string): PortierConfig {
  const result = parseConfig(yaml, 'portier.yaml', {});
  if (!result.ok) throw new Error(result.problems.map((problem) => `${problem.path}: ${problem.message}`).join('\n'));
  return result.config;
}
