import type { PortierConfig, RouteConfig } from '../config/config-types.js';
import { renderers } from '../envelopes/renderers.js';
import { builtInRoutesOf, type BuiltInRoute } from '../routes/built-in-routes.js';
import type { RouteSpec } from '../routes/route-spec.js';
import type { CompiledRoute } from './compiled-route.js';
import type { AnyStageModule, Policy, Terminal } from './policy.js';

/** Each route stage's deps, under its name (typed per stage where the gateway is put together). */
export type StageDeps = Readonly<Record<string, unknown>>;

/** Every route the config serves, as the stages see it: configured routes first, then the built-in ones. */
export function routeSpecsOf(config: PortierConfig): RouteSpec[] {
  return [...config.routes.map((route) => configuredSpec(route, config)), ...builtInRoutesOf(config).map(builtInSpec)];
}

export function configuredSpec(route: RouteConfig, config: PortierConfig): RouteSpec {
  return {
    id: route.id,
    path: route.path,
    methods: route.methods,
    config: route,
    auth: route.auth,
    keyed: undefined,
    maxBodyBytes: route.maxBodyBytes ?? config.server.maxBodyBytes,
  };
}

export function builtInSpec(route: BuiltInRoute): RouteSpec {
  return {
    id: route.id,
    path: route.path,
    methods: route.methods,
    config: undefined,
    auth: route.keyed === undefined ? undefined : { required: true, scopes: route.scopes },
    keyed: route.keyed,
    maxBodyBytes: route.maxBodyBytes,
    ...(route.answerHeaders === undefined ? {} : { answerHeaders: route.answerHeaders }),
  };
}

/**
 * Compiles every route from the lifecycle's route stages, in their order: each stage whose settings
 * say the route needs it becomes one of the route's policies; wrappers go around the answer, which is
 * the first answering stage with settings or, for a built-in route, its own.
 */
export function compileRoutes(config: PortierConfig, stages: readonly AnyStageModule[], deps: StageDeps, answers: Readonly<Record<string, Terminal>>): CompiledRoute[] {
  return routeSpecsOf(config).map((spec) => compileRoute(spec, config, stages, deps, answers[spec.id]));
}

/** A stage a route runs, with its settings for that route. */
export interface SelectedStage {
  readonly stage: Exclude<AnyStageModule, { scope: 'request' }>;
  readonly settings: unknown;
}

/**
 * The stages one route runs, in lifecycle order: every route stage and wrapper whose settings say the
 * route needs it, and the first answering stage with settings (async before the proxy), if any. The
 * pipeline compiles these, and the documented error codes are theirs.
 */
export function stagesOfRoute(spec: RouteSpec, config: PortierConfig, stages: readonly AnyStageModule[]): SelectedStage[] {
  const selected: SelectedStage[] = [];
  let answered = false;
  for (const stage of stages) {
    if (stage.scope === 'request') throw new Error(`${stage.name} is a request stage, not a route stage`);
    if (stage.scope === 'terminal' && answered) continue;
    const settings: unknown = stage.settingsOf(spec, config);
    if (settings === undefined) continue;
    if (stage.scope === 'terminal') answered = true;
    selected.push({ stage, settings });
  }
  return selected;
}

function compileRoute(spec: RouteSpec, config: PortierConfig, stages: readonly AnyStageModule[], deps: StageDeps, ownAnswer: Terminal | undefined): CompiledRoute {
  const policies: Policy[] = [];
  const wrappers: ((inner: Terminal) => Terminal)[] = [];
  let terminal: Terminal | undefined;
  for (const { stage, settings } of stagesOfRoute(spec, config, stages)) {
    const stageDeps = deps[stage.name];
    if (stage.scope === 'route') policies.push(stage.create(settings, stageDeps));
    else if (stage.scope === 'wrapper') wrappers.push(stage.create(settings, stageDeps));
    else terminal = stage.create(settings, stageDeps);
  }
  // First of all, so that a refusal by any stage (no key, maintenance) carries them too.
  const answerHeaders = spec.answerHeaders;
  if (answerHeaders !== undefined) {
    policies.unshift({
      name: 'answer-headers',
      handle(ctx) {
        for (const item of answerHeaders) ctx.responseHeaders.push(item);
        return undefined;
      },
    });
  }
  terminal ??= ownAnswer;
  if (terminal === undefined) throw new Error(`route ${spec.id} has no answer`);
  for (let i = wrappers.length - 1; i >= 0; i--) terminal = (wrappers[i] as (inner: Terminal) => Terminal)(terminal);
  return {
    id: spec.id,
    path: spec.path,
    methods: spec.methods,
    config: spec.config,
    maxBodyBytes: spec.maxBodyBytes,
    renderer: renderers[spec.config?.envelope ?? config.errors.envelope],
    policies,
    terminal,
  };
}
