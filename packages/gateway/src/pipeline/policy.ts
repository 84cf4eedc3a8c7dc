import type { PortierError } from '../errors/portier-error.js';
import type { RequestContext } from './request-context.js';

/** A policy's answer: `undefined` lets the request continue; an error rejects it. */
export type Decision = PortierError | undefined;

/**
 * One stage of the pipeline. Created once at boot from frozen config; `handle` runs per request and
 * returns a decision. It never calls the next stage.
 */
export interface Policy {
  readonly name: string;
  handle(ctx: RequestContext): Decision | Promise<Decision>;
}

/**
 * The last stage of a route: it writes the response itself (proxy, health check), or returns an
 * error for the pipeline to render while nothing has been sent yet.
 */
export interface Terminal {
  readonly name: string;
  handle(ctx: RequestContext): Promise<Decision>;
}
