import type { Clock } from '../../clock.js';
import type { TerminalStageModule } from '../../pipeline/policy.js';
import { createAcceptTerminal } from '../../operations/accept-terminal.js';
import type { Operations } from '../../operations/operations.js';
import { forwardOptionsOf, queuedCredentialHeaders } from '../proxy/credential-headers.js';
import type { ForwardOptions } from '../proxy/forward-headers.js';
import { checkFields } from '../../templates/check-fields.js';
import { operationListFields } from '../../operations/operation-list-body.js';
import { unknownTemplateFields } from '../../operations/operation-body.js';
import type { ReportProblem } from '../../config/config-problem.js';

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
  summary: 'on routes with `async`: the request is queued durably and answered 202 + `Location`; a worker forwards it with retries (on an `app: true` route, runs the handler the app registered); `GET /operations/:id` and `/result` to poll',
  emits: ['operation_queue_full', 'payload_too_large'],
  settingsOf(route, config) {
    const configured = route.config;
    if (configured?.async === undefined) return undefined;
    return { forward: forwardOptionsOf(config, queuedCredentialHeaders(config, configured)), maxBodyBytes: route.maxBodyBytes };
  },
  codes: () => ['operation_queue_full'],
  checkConfig(config, report) {
    if (pathParameters(config.operations.path).includes('operationId')) report(['operations', 'path'], '":operationId" is the parameter Portier appends itself');
    checkTemplate(config.operations.body, ['operations', 'body'], report);
    checkFields(config.operations.list.body, operationListFields, 'the operation list template', ['operations', 'list', 'body'], report);
  },
  checkRoute(route, index, config, report) {
    if (route.async === undefined) return;
    if (route.auth === undefined || !route.auth.required) report(['routes', index, 'async'], 'async routes need route `auth` with a required key: operations belong to an account');
    if (route.auth?.entity !== undefined) report(['routes', index, 'async'], 'async routes cannot count entities (`auth.entity`): the upstream answers later');
    for (const name of pathParameters(config.operations.path)) {
      if (!route.path.includes(`:${name}`)) report(['routes', index, 'async'], `\`operations.path\` names ":${name}", which this route's path does not have`);
    }
    checkTemplate(route.async.body, ['routes', index, 'async', 'body'], report);
  },
  create(settings, { operations, clock }) {
    if (operations === undefined) throw new Error('async routes need the operation queue: the gateway opens one when a route is async');
    return createAcceptTerminal(operations.operations, { forward: settings.forward, maxBodyBytes: settings.maxBodyBytes, clock, wake: () => operations.wake() });
  },
};

/** The `:name` parameters of a path pattern. */
function pathParameters(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1] as string);
}

/** The operation body template may name only the operation's fields; no template names none. */
function checkTemplate(template: unknown, segments: readonly (string | number)[], report: ReportProblem): void {
  for (const name of unknownTemplateFields(template)) report(segments, `unknown field "{${name}}" in the operation body template`);
}
