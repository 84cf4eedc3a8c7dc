import { catalog, type ErrorCode, type ErrorParams } from './catalog.js';

/** One finding about one item of a request (validation error or warning). */
export interface ErrorItem {
  /** JSON pointer of the item the finding is about ('' for the whole request). */
  readonly pointer: string;
  readonly message: string;
  /** Name of the rule that produced the finding. */
  readonly rule: string;
}

export interface PortierErrorOptions {
  /** Extra response headers, e.g. `Allow` or `Retry-After`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Status for codes whose status mirrors the upstream's. Ignored for other codes. */
  readonly status?: number;
  /** Who produced the error, when it is not the gateway itself (an upstream's service name). */
  readonly service?: string;
  readonly items?: readonly ErrorItem[];
  /** The internal cause: logged, never sent to the client. */
  readonly cause?: unknown;
}

/**
 * The one error type of Portier: a catalog code plus its parameters. The client sees only what the
 * catalog says; `cause` and the internal message stay in the log.
 */
export class PortierError extends Error {
  readonly code: ErrorCode;
  readonly params: Readonly<Record<string, string | number>>;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly service: string | undefined;
  readonly items: readonly ErrorItem[];

  constructor(code: ErrorCode, params: Readonly<Record<string, string | number>>, options: PortierErrorOptions = {}) {
    super(code, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PortierError';
    const entry = catalog[code];
    this.code = code;
    this.params = params;
    this.status = 'statusFromUpstream' in entry && options.status !== undefined ? options.status : entry.status;
    this.headers = options.headers;
    this.service = options.service;
    this.items = options.items ?? [];
  }
}

/** Creates a PortierError whose parameters are checked against the code's detail template. */
export function portierError<C extends ErrorCode>(
  code: C,
  params: ErrorParams<C>,
  options?: PortierErrorOptions,
): PortierError {
  return new PortierError(code, params, options);
}
