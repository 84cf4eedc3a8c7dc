import type { OperationError, Operation } from './operation.js';
import type { ErrorView } from '../envelopes/error-view.js';
import { renderJsonTemplate, templateFieldNames } from '../templates/json-template.js';

/** What a template may name; each resolves to a JSON value. */
export const operationFields = [
  'id',
  'status',
  'statusCode',
  'requestedOnUtc',
  'completedOnUtc',
  'attempts',
  'location',
  'resultLocation',
  'route',
  'method',
  'error',
  'response',
] as const;

export const defaultOperationBody: Readonly<Record<string, unknown>> = {
  id: '{id}',
  status: '{status}',
  statusCode: '{statusCode}',
  requestedOnUtc: '{requestedOnUtc}',
  completedOnUtc: '{completedOnUtc}',
  attempts: '{attempts}',
  error: '{error}',
  response: '{response}',
  links: { self: '{location}', result: '{resultLocation}' },
};

export interface OperationBodyContext {
  readonly location: string;
  /** The failure as the caller would see it, when the operation failed. */
  readonly errorView: ErrorView | undefined;
}

/** Field names a template uses that do not exist (for config checks). `error.detail` names a member of a field. */
export function unknownTemplateFields(template: unknown): string[] {
  return templateFieldNames(template).filter((name) => {
    const [field, member] = name.split('.', 2);
    if (field === 'params') return member === undefined;
    return !(operationFields as readonly string[]).includes(field ?? '');
  });
}

/** Renders an operation through a template (see templates/json-template.ts for the syntax). */
export function renderOperationBody(template: Readonly<Record<string, unknown>>, operation: Operation, context: OperationBodyContext): unknown {
  const values: Readonly<Record<string, unknown>> = { ...fieldValues(operation, context), params: operation.params };
  return renderJsonTemplate(template, (name) => name.split('.').reduce<unknown>((node, part) => memberOf(node, part), values));
}

function memberOf(node: unknown, name: string): unknown {
  if (node === null || typeof node !== 'object' || !Object.hasOwn(node, name)) return null;
  return (node as Record<string, unknown>)[name];
}

function fieldValues(operation: Operation, context: OperationBodyContext): Record<(typeof operationFields)[number], unknown> {
  const done = operation.status !== 'Pending';
  return {
    id: operation.id,
    status: operation.status,
    statusCode: operation.result?.status ?? operation.error?.status ?? null,
    requestedOnUtc: new Date(operation.requestedAt).toISOString(),
    completedOnUtc: operation.completedAt === undefined ? null : new Date(operation.completedAt).toISOString(),
    attempts: operation.attempts,
    location: context.location,
    resultLocation: `${context.location}/result`,
    route: operation.routeId,
    method: operation.method,
    error: done ? errorValue(operation.error, context.errorView) : null,
    response: done && operation.result !== undefined ? { status: operation.result.status, body: bodyValue(operation.result) } : null,
  };
}

function errorValue(error: OperationError | undefined, view: ErrorView | undefined): unknown {
  if (error === undefined || view === undefined) return null;
  return { code: view.code, status: view.status, title: view.title, detail: view.detail, service: view.service };
}

/** The upstream's body as JSON when it is JSON, as text otherwise, null when it was not kept. */
function bodyValue(result: NonNullable<Operation['result']>): unknown {
  if (result.body === undefined || result.body.length === 0) return null;
  const text = result.body.toString('utf8');
  const type = headerOf(result.headers, 'content-type') ?? '';
  if (/[/+]json\b/i.test(type)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

export function headerOf(pairs: readonly string[], name: string): string | undefined {
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === name) return pairs[i + 1];
  return undefined;
}
