import { portierError } from '../../errors/portier-error.js';
import type { CompiledRoute } from '../../pipeline/compiled-route.js';
import type { RequestStageModule } from '../../pipeline/policy.js';
import type { RouteTable } from '../../routes/route-table.js';
import { prefixAnswerHeaders, type PrefixHeaders } from '../../routes/built-in-routes.js';
import type { PortierConfig } from '../../config/config-types.js';

export interface RoutingDeps {
  /** Every compiled route, configured ones first. */
  readonly routes: RouteTable<CompiledRoute>;
}

export interface RoutingSettings {
  /** Paths whose 404 and 405 carry headers too (the portal's CSP, no framing, nosniff). */
  readonly headersUnder: readonly PrefixHeaders[];
}

/** Picks the route: path first, then method, so that a known path with another method is a 405 with Allow. */
export const routingStage: RequestStageModule<'routing', RoutingSettings, RoutingDeps> = {
  name: 'routing',
  scope: 'request',
  summary: 'find-my-way over the normalized target; a known path with another method is told which methods it has',
  emits: ['not_found', 'method_not_allowed'],
  settingsOf: (config: PortierConfig) => ({ headersUnder: prefixAnswerHeaders(config) }),
  // `not_found` is the answer of no route, so it is not among any route's codes.
  codes: () => ['method_not_allowed'],
  create({ headersUnder }, { routes }) {
    const isUnder = (path: string, prefix: string): boolean => prefix === '/' || path === prefix || path.startsWith(`${prefix}/`);
    const headersFor = (path: string): Readonly<Record<string, string>> => headersUnder.find(({ prefix }) => isUnder(path, prefix))?.headers ?? {};
    return {
      name: 'routing',
      handle: function matchRoute(ctx) {
        const method = ctx.req.method ?? 'GET';
        const match = routes.match(method, ctx.path);
        if (match.kind === 'found') {
          ctx.route = match.target;
          ctx.params = match.params;
          return undefined;
        }
        const pageHeaders = headersFor(ctx.path);
        if (match.kind === 'not_found') return portierError('not_found', { method, path: ctx.path }, { headers: pageHeaders });
        return portierError('method_not_allowed', { method, path: ctx.path, allowed: match.allow }, { headers: { ...pageHeaders, Allow: match.allow } });
      },
    };
  },
};
