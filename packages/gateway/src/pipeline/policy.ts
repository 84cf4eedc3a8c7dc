import type { ReportProblem } from '../config/config-problem.js';
import type { PortierConfig, RouteConfig } from '../config/config-types.js';
import type { ErrorCode } from '../errors/catalog.js';
import type { PortierError } from '../errors/portier-error.js';
import type { RouteSpec } from '../routes/route-spec.js';
import type { RequestContext } from './request-context.js';

/** Returned by a stage that wrote the whole response itself (a CORS preflight). */
export const answered: unique symbol = Symbol('answered');

/** A policy's answer: `undefined` lets the request continue; an error rejects it; `answered` ends it. */
export type Decision = PortierError | typeof answered | undefined;

/**
 * One stage of the pipeline. Created once at boot from frozen config; `handle` runs per request and
 * returns a decision. It never calls the next stage.
 */
export interface Policy {
  readonly name: string;
  handle(ctx: RequestContext): Decision | Promise<Decision>;
}

/** A stage that runs before any route is known: synchronous, so that the common path awaits nothing. */
export interface RequestPolicy {
  readonly name: string;
  handle(ctx: RequestContext): Decision;
}

/**
 * The last stage of a route: it writes the response itself (proxy, health check), or returns an
 * error for the pipeline to render while nothing has been sent yet.
 */
export interface Terminal {
  readonly name: string;
  handle(ctx: RequestContext): Promise<Decision>;
}

/**
 * What every stage module has: its name in the lifecycle, one line on what it does (the README's
 * stage table and docs/lifecycle.md are generated from it), and every catalog code it can answer with.
 */
interface StageModuleBase<Name extends string, Settings> {
  readonly name: Name;
  readonly summary: string;
  /** Every code the stage may answer with, whatever its settings: the documentation's list. */
  readonly emits: readonly ErrorCode[];
  /** The codes it may answer with under these settings: a route's documented errors are the union. */
  codes(settings: Settings, config: PortierConfig): readonly ErrorCode[];
  /**
   * The rules across fields that the schema cannot express, for `config check`, about the sections
   * this stage owns. Runs on a config the schema may have refused: a shape it cannot read is skipped.
   */
  checkConfig?(config: PortierConfig, report: ReportProblem): void;
  /** The same, for one configured route (`routes[index]`). */
  checkRoute?(route: RouteConfig, index: number, config: PortierConfig, report: ReportProblem): void;
}

/** A stage that runs once per request before any route is known (correlation ID, target, CORS, routing). */
export interface RequestStageModule<Name extends string, Settings, Deps> extends StageModuleBase<Name, Settings> {
  readonly scope: 'request';
  settingsOf(config: PortierConfig): Settings | undefined;
  create(settings: Settings, deps: Deps): RequestPolicy;
}

/** A stage compiled per route, where its settings say the route needs it (auth, limits, validation...). */
export interface RouteStageModule<Name extends string, Settings, Deps> extends StageModuleBase<Name, Settings> {
  readonly scope: 'route';
  settingsOf(route: RouteSpec, config: PortierConfig): Settings | undefined;
  create(settings: Settings, deps: Deps): Policy;
}

/** A stage around the route's answer (Idempotency-Key replays): it gets the terminal it wraps. */
export interface WrapperStageModule<Name extends string, Settings, Deps> extends StageModuleBase<Name, Settings> {
  readonly scope: 'wrapper';
  settingsOf(route: RouteSpec, config: PortierConfig): Settings | undefined;
  create(settings: Settings, deps: Deps): (inner: Terminal) => Terminal;
}

/** A stage that answers (the proxy, the durable accept): the first one with settings is the route's answer. */
export interface TerminalStageModule<Name extends string, Settings, Deps> extends StageModuleBase<Name, Settings> {
  readonly scope: 'terminal';
  settingsOf(route: RouteSpec, config: PortierConfig): Settings | undefined;
  create(settings: Settings, deps: Deps): Terminal;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- a list of modules of different settings and deps */
export type AnyStageModule =
  | RequestStageModule<string, any, any>
  | RouteStageModule<string, any, any>
  | WrapperStageModule<string, any, any>
  | TerminalStageModule<string, any, any>;

/** The deps a module's factory takes. */
export type DepsOf<Module> = Module extends { create(settings: any, deps: infer Deps): unknown } ? Deps : never;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** What a lifecycle needs to be built: each stage's own deps, under its name. */
export type LifecycleDeps<Lifecycle extends readonly AnyStageModule[]> = {
  readonly [Module in Lifecycle[number] as Module['name']]: DepsOf<Module>;
};
