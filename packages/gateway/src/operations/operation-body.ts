import type { OperationError, Operation } from './operation.js';
import type { ErrorView } from '../envelopes/error-view.js';

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

const placeholder = /\{([A-Za-z_][A-Za-z0-9_.]*)\}/g;
/**
 * A value that is only a placeholder keeps the field's JSON type. `{field?}` leaves the member out
 * while the field is null (clients that accept a missing member but not null, as Codat's SDK does for
 * `completedOnUtc`); `{field ?? <JSON>}` gives a fallback while it is null (`{statusCode ?? 202}`).
 */
const whole = /^\{([A-Za-z_][A-Za-z0-9_.]*)(\?|\s*\?\?\s*(.+))?\}$/;
const omitted = Symbol('omitted');

interface WholeValue {
  readonly name: string;
  readonly omitWhenNull: boolean;
  readonly fallback: unknown;
}

/** Reads a whole-value placeholder; a fallback that is not JSON is kept as text. */
function parseWhole(text: string): WholeValue | undefined {
  const match = whole.exec(text);
  if (match === null) return undefined;
  const raw = match[3];
  let fallback: unknown = null;
  if (raw !== undefined) {
    try {
      fallback = JSON.parse(raw) as unknown;
    } catch {
      fallback = raw.trim();
    }
  }
  return { name: match[1] as string, omitWhenNull: match[2] === '?', fallback };
}

function isKnownField(name: string): boolean {
  return (operationFields as readonly string[]).includes(name) || /^params\.[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/** Field names a template uses that do not exist (for config checks). */
export function unknownTemplateFields(template: unknown): string[] {
  const unknown: string[] = [];
  walk(template, (text) => {
    const exact = parseWhole(text);
    const names = exact === undefined ? [...text.matchAll(placeholder)].map((match) => match[1] as string) : [exact.name];
    for (const name of names) if (!isKnownField(name)) unknown.push(name);
  });
  return unknown;
}

/**
 * Renders an operation through a template: a string that is exactly `{field}` becomes the field's JSON
 * value (null stays null, numbers stay numbers); other strings get the fields' text filled in.
 */
export function renderOperationBody(template: Readonly<Record<string, unknown>>, operation: Operation, context: OperationBodyContext): unknown {
  const values: Readonly<Record<string, unknown>> = fieldValues(operation, context);
  const resolve = (name: string): unknown => (name.startsWith('params.') ? (operation.params[name.slice(7)] ?? null) : values[name]);
  const render = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const exact = parseWhole(node);
      if (exact !== undefined) {
        const value = resolve(exact.name) ?? null;
        return value === null && exact.omitWhenNull ? omitted : (value ?? exact.fallback);
      }
      return node.replace(placeholder, (_match, name: string) => {
        const value = resolve(name);
        return value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
      });
    }
    if (Array.isArray(node)) return node.map(render).filter((value) => value !== omitted);
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).flatMap(([key, value]) => {
        const rendered = render(value);
        return rendered === omitted ? [] : [[key, rendered]];
      }));
    }
    return node;
  };
  return render(template);
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

function walk(node: unknown, visit: (text: string) => void): void {
  if (typeof node === 'string') visit(node);
  else if (Array.isArray(node)) node.forEach((child) => walk(child, visit));
  else if (node !== null && typeof node === 'object') Object.values(node).forEach((child) => walk(child, visit));
}
