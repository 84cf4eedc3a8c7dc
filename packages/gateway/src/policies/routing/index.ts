import { portierError } from '../../errors/portier-error.js';
import type { CompiledRoute } from '../../pipeline/compiled-route.js';
import type { RequestStageModule } from '../../pipeline/policy.js';
import type { RouteTable } from '../../routes/route-table.js';

export interface RoutingDeps {
  /** Every compiled route, configured ones first. */
  readonly routes: RouteTable<CompiledRoute>;
}

/** Picks the route: path first, then method, so that a known path with another method is a 405 with Allow. */
export const routingStage: RequestStageModule<'routing', true, RoutingDeps> = {
  name: 'routing',
  scope: 'request',
  summary: 'find-my-way over the normalized target; a known path with another method is told which methods it has',
  emits: ['not_found', 'method_not_allowed'],
  settingsOf: () => true,
  // `not_found` is the answer of no route, so it is not among any route's codes.
  codes: () => ['method_not_allowed'],
  create(_settings, { routes }) {
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
        if (match.kind === 'not_found') return portierError('not_found', { method, path: ctx.path });
        return portierError('method_not_allowed', { method, path: ctx.path, allowed: match.allow }, { headers: { Allow: match.allow } });
      },
    };
  },
};
