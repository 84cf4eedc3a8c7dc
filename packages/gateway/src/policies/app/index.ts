import type { Decision, TerminalStageModule } from '../../pipeline/policy.js';
import type { RequestContext } from '../../pipeline/request-context.js';

export interface AppSettings {
  readonly routeId: string;
}

/**
 * What the framework adapter gives the `app` stage: the way into the app's own handlers. Present only
 * when Portier runs inside an app (`portier/express`, `portier/fastify`, `portier/hono`); the gateway has no app to hand over to.
 */
export interface AppDeps {
  /**
   * Lets the app's handler answer this request. Resolves once its response has finished (or the
   * connection closed), with `answered`; resolves with, or rejects with, what the app failed with
   * while nothing was sent, for the pipeline to render.
   */
  handOver(ctx: RequestContext): Promise<Decision>;
}

/** The answer of a route with `app: true`: the handler of the app Portier is embedded in. */
export const appStage: TerminalStageModule<'app', AppSettings, AppDeps | undefined> = {
  name: 'app',
  scope: 'terminal',
  summary: 'on routes with `app: true` (Portier embedded with `portier/express`, `portier/fastify` or `portier/hono`): the app\'s own handler answers, given `req.portier` (Hono: `c.get(\'portier\')`); a catalog error it throws is rendered like the gateway\'s, any other as `internal_error`',
  // A route no handler of the app answered; what the app itself refuses with is the app's to document.
  emits: ['internal_error'],
  settingsOf: (route) => (route.config?.app === true ? { routeId: route.id } : undefined),
  codes: () => ['internal_error'],
  checkRoute(route, index, _config, report) {
    const byApp = route.app === true;
    if (byApp && route.upstream !== undefined) report(['routes', index, 'app'], 'a route is answered by its upstream or by the app, not both: drop `upstream` or `app`');
    if (!byApp && route.upstream === undefined) report(['routes', index], 'the route has no answer: set `upstream` (an upstream serves it) or `app: true` (the app Portier is embedded in serves it)');
  },
  create(settings, deps) {
    if (deps === undefined) {
      throw new Error(`route ${settings.routeId} is answered by the app (\`app: true\`): embed this config with portier/express, portier/fastify or portier/hono instead of running it as a gateway`);
    }
    return {
      name: 'app',
      handle: function answerFromApp(ctx) {
        return deps.handOver(ctx);
      },
    };
  },
};
