import type { Clock } from '../../clock.js';
import type { TerminalStageModule } from '../../pipeline/policy.js';
import { createAcceptTerminal } from '../../operations/accept-terminal.js';
import type { Operations } from '../../operations/operations.js';
import { queuedCredentialHeaders } from '../proxy/credential-headers.js';
import type { ForwardOptions } from '../proxy/forward-headers.js';

export interface AsyncSettings {
  /** What the worker will forward: as the proxy would, minus every credential unless the route opts in. */
  readonly forward: ForwardOptions;
  readonly maxBodyBytes: number;
}

export interface AsyncDeps {
  /** The queue and its worker; present when some route is async. */
  readonly operations: { readonly operations: Operations; wake(): void } | undefined;
  readonly clock: Clock;
}

/** The answer of an `async` route: the request is stored durably first, then answered 202. */
export const asyncStage: TerminalStageModule<'async', AsyncSettings, AsyncDeps> = {
  name: 'async',
  scope: 'terminal',
  summary: 'on routes with `async`: the request is queued durably and answered 202 + `Location`; a worker forwards it with retries; `GET /operations/:id` and `/result` to poll',
  emits: ['operation_queue_full', 'payload_too_large'],
  settingsOf(route, config) {
    const configured = route.config;
    if (configured?.async === undefined) return undefined;
    const forward = { correlationHeader: config.correlation.header.toLowerCase(), trustForwardedHeaders: config.server.trustForwardedHeaders, dropHeaders: queuedCredentialHeaders(config, configured) };
    return { forward, maxBodyBytes: route.maxBodyBytes };
  },
  codes: () => ['operation_queue_full'],
  create(settings, { operations, clock }) {
    if (operations === undefined) throw new Error('async routes need the operation queue: the gateway opens one when a route is async');
    return createAcceptTerminal(operations.operations, { forward: settings.forward, maxBodyBytes: settings.maxBodyBytes, clock, wake: () => operations.wake() });
  },
};
