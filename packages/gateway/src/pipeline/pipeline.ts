import { performance } from 'node:perf_hooks';
import type { PortierConfig } from '../config/config-types.js';
import type { EnvelopeRenderer } from '../envelopes/envelope-renderer.js';
import { renderers } from '../envelopes/renderers.js';
import { portierError, PortierError } from '../errors/portier-error.js';
import { isClientAbort } from './is-client-abort.js';
import { localizerOf } from '../errors/localizer-of.js';
import type { Logging } from '../log/create-logger.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { UsageMeter } from '../usage/usage-meter.js';
import { RouteTable } from '../routes/route-table.js';
import { logAccess } from './access-log.js';
import type { CompiledRoute } from './compiled-route.js';
import { compileRoutes, type StageDeps } from './compile-routes.js';
import { answered, type AnyStageModule, type Decision, type RequestPolicy, type Terminal } from './policy.js';
import { RequestContext } from './request-context.js';
import type { RequestView, ResponseSink } from './exchange.js';
import { sendError, type ErrorRendering } from './send-error.js';
import type { Tracing } from '../tracing/tracing.js';

/** What the pipeline is built from: the lifecycle's stages, each one's deps, and the built-in routes' answers. */
export interface PipelineSetup {
  readonly config: PortierConfig;
  readonly logging: Logging;
  readonly metrics?: GatewayMetrics;
  /** Usage metering (per account, key, route and minute), when the deployment has a store for it. */
  readonly usage?: UsageMeter | undefined;
  /** Called once per request handed to `handle`, when the pipeline is done with it (answered, failed or abandoned). */
  readonly onFinished?: () => void;
  /** Present while tracing is on: every request gets a server span. */
  readonly tracing?: Tracing | undefined;
  /** Stages run for every request before a route is known, in order. They get the route table as deps. */
  readonly requestStages: readonly AnyStageModule[];
  /** Stages compiled per route, in order. */
  readonly routeStages: readonly AnyStageModule[];
  /** Each route stage's deps, under its name. */
  readonly deps: StageDeps;
  /** The answer of each built-in route, by id. */
  readonly answers: Readonly<Record<string, Terminal>>;
}

/** What a request stage is given: the compiled routes (routing matches them, CORS answers preflights from them). */
export interface RequestStageDeps {
  readonly routes: RouteTable<CompiledRoute>;
}

export interface Pipeline {
  handle(req: RequestView, res: ResponseSink): void;
  /** The compiled route table, configured routes first: what `handle` matches requests against. */
  readonly routes: readonly CompiledRoute[];
  /** While draining, responses ask clients to close their connection. */
  setDraining(draining: boolean): void;
}

/**
 * The request runner. It knows no policy: it runs the request stages, then the matched route's
 * stages and its answer, and on every path out renders the error, runs what the stages deferred,
 * logs and counts.
 */
export function createPipeline(setup: PipelineSetup): Pipeline {
  const { config, metrics, usage, onFinished, tracing } = setup;
  const { logger, accessLog } = setup.logging;
  const rendering: ErrorRendering = {
    typeBaseUrl: config.errors.typeBaseUrl,
    gatewayService: config.errors.service,
    correlationHeader: config.correlation.header,
    localizer: localizerOf(config),
    negotiate: config.errors.negotiate,
  };
  const defaultRenderer = renderers[config.errors.envelope];
  const routes = compileRoutes(config, setup.routeStages, setup.deps, setup.answers);
  const table = new RouteTable(routes.map((route) => ({ path: route.path, methods: route.methods, target: route })));
  const requestDeps: RequestStageDeps = { routes: table };
  const requestPolicies: RequestPolicy[] = [];
  for (const stage of setup.requestStages) {
    if (stage.scope !== 'request') throw new Error(`${stage.name} is not a request stage`);
    const settings: unknown = stage.settingsOf(config);
    if (settings !== undefined) requestPolicies.push(stage.create(settings, requestDeps));
  }
  let draining = false;

  const finish = (ctx: RequestContext): void => {
    // Once per request, even if rendering or logging threw and the request is failed a second time.
    if (ctx.finished) return;
    ctx.finished = true;
    try {
      ctx.runDeferred();
    } catch (error) {
      logger.error({ correlationId: ctx.correlationId, route: ctx.route?.id, err: error }, 'a deferred action failed');
    }
    ctx.settle(performance.now());
    logAccess(accessLog, ctx);
    metrics?.observe(ctx);
    usage?.record(ctx);
    if (ctx.trace !== undefined) ctx.trace.end(ctx);
    onFinished?.();
  };

  const fail = (ctx: RequestContext, error: PortierError, renderer: EnvelopeRenderer): void => {
    sendError(ctx, error, renderer, rendering);
    finish(ctx);
  };

  const settle = (ctx: RequestContext, decision: Decision, renderer: EnvelopeRenderer): void => {
    if (decision === answered || decision === undefined) finish(ctx);
    else fail(ctx, decision, renderer);
  };

  const crash = (ctx: RequestContext, error: unknown): void => {
    // A store refusing with a catalog error (account_store_unavailable, key_limit_reached) is an answer.
    if (error instanceof PortierError) return fail(ctx, error, ctx.route?.renderer ?? defaultRenderer);
    // The client left (or timed out) while a stage read its body: nobody to answer, and not our bug.
    if (isClientAbort(error)) return finish(ctx);
    logger.error({ correlationId: ctx.correlationId, route: ctx.route?.id, err: error }, 'unexpected error');
    fail(ctx, portierError('internal_error', {}), ctx.route?.renderer ?? defaultRenderer);
  };

  async function runRoute(ctx: RequestContext, route: CompiledRoute): Promise<void> {
    for (const policy of route.policies) {
      let decision: Decision | Promise<Decision> = policy.handle(ctx);
      // Most stages decide synchronously: await only a promise, so they cost no microtask.
      if (decision instanceof Promise) decision = await decision;
      if (decision !== undefined) return settle(ctx, decision, route.renderer);
    }
    settle(ctx, await route.terminal.handle(ctx), route.renderer);
  }

  return {
    routes,
    setDraining(value: boolean): void {
      draining = value;
    },
    handle: function handleRequest(req: RequestView, res: ResponseSink): void {
      const ctx = new RequestContext(req, res, performance.now());
      // Tracing off, this one check is all it costs: no span, no context, nothing to end.
      if (tracing !== undefined) ctx.trace = tracing.startRequest(req);
      if (draining) res.setHeader('connection', 'close');
      for (const policy of requestPolicies) {
        const decision = policy.handle(ctx);
        if (decision !== undefined) return settle(ctx, decision, defaultRenderer);
      }
      const route = ctx.route;
      if (route === undefined) return crash(ctx, new Error('no request stage chose a route'));
      runRoute(ctx, route).catch((error: unknown) => crash(ctx, error));
    },
  };
}
