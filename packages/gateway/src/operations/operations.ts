import type { AsyncRouteConfig, PortierConfig, RouteAuthConfig } from '../config/config-types.js';
import { buildErrorView, type ErrorView } from '../envelopes/error-view.js';
import { PortierError } from '../errors/portier-error.js';
import { parseDuration } from '../config/duration.js';
import type { Operation } from './operation.js';
import { defaultOperationBody, renderOperationBody } from './operation-body.js';
import type { OperationQueue } from './operation-queue.js';

/**
 * What the accept terminal, the polling routes and the worker share: the store, and how an operation
 * is shown (its Location, its body through the route's template, its error as the catalog renders it).
 */
/** What the queue needs of one async route, resolved once at boot. */
export interface AsyncRoute {
  readonly async: AsyncRouteConfig;
  readonly deadlineMs: number;
  /** Key of the upstream the route forwards to; undefined on an app route (`app: true`), whose handler the app registered. */
  readonly upstream: string | undefined;
  /** The route's scopes and binding: polling an operation or reading its result needs them too. */
  readonly auth: RouteAuthConfig | undefined;
}

export class Operations {
  private readonly routes: ReadonlyMap<string, AsyncRoute>;

  constructor(
    readonly store: OperationQueue,
    readonly config: PortierConfig,
  ) {
    this.routes = new Map(
      config.routes.flatMap((route) =>
        route.async === undefined ? [] : [[route.id, { async: route.async, deadlineMs: parseDuration(route.async.deadline), upstream: route.upstream, auth: route.auth }] as const],
      ),
    );
  }

  /** The async route an operation was created on; undefined if the config no longer has it. */
  routeOf(routeId: string): AsyncRoute | undefined {
    return this.routes.get(routeId);
  }

  /** The polling URL of an operation: `operations.path` with the operation's own parameter values. */
  locationOf(operation: Operation): string {
    const base = this.config.operations.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_match, name: string) =>
      encodeURIComponent(operation.params[name] ?? ''),
    );
    return `${base}/${operation.id}`;
  }

  errorOf(operation: Operation): PortierError | undefined {
    const error = operation.error;
    if (error === undefined) return undefined;
    return new PortierError(error.code, error.params, { status: error.status, ...(error.service === undefined ? {} : { service: error.service }) });
  }

  errorViewOf(operation: Operation, correlationId: string): ErrorView | undefined {
    const error = this.errorOf(operation);
    if (error === undefined) return undefined;
    return buildErrorView(error, {
      correlationId,
      instance: this.locationOf(operation),
      typeBaseUrl: this.config.errors.typeBaseUrl,
      gatewayService: this.config.errors.service,
      warnings: [],
    });
  }

  bodyOf(operation: Operation): unknown {
    const template = this.routes.get(operation.routeId)?.async.body ?? this.config.operations.body ?? defaultOperationBody;
    return renderOperationBody(template, operation, {
      location: this.locationOf(operation),
      errorView: this.errorViewOf(operation, operation.correlationId),
    });
  }
}
