import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PortierRequest } from '../portier-request.js';
import { Admission } from '../app-handover.js';
import { openEmbedded, type ExposedPortier, type EmbedOptions } from '../open-embedded.js';
import type { EmbeddedConfigSource } from '../load-embedded-config.js';

export type { PortierRequest } from '../portier-request.js';
export type { EmbedOptions } from '../open-embedded.js';
export type { OperationAnswer, OperationHandler, OperationHandlers, OperationJob } from '../../operations/operation-handler.js';
export { PortierConfigError, type EmbeddedConfigSource } from '../load-embedded-config.js';
export { PortierError, portierError, type ErrorItem } from '../../errors/portier-error.js';
export type { ErrorCode } from '../../errors/catalog.js';

declare global {
  // Express's own request type (from @types/express) gains `portier`; the global namespace is how it is extended.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by Portier on the routes it handed over to the app (`app: true`). */
      portier?: PortierRequest;
    }
  }
}

type Next = (error?: unknown) => void;

/** Portier inside an Express app (4 or 5). */
export interface PortierExpress extends ExposedPortier {
  /** `app.use(portier.middleware)` before the routes: runs every stage and answers what it refuses. */
  readonly middleware: (req: IncomingMessage, res: ServerResponse, next: Next) => void;
  /**
   * `app.use(portier.errorHandler)` after the routes: a catalog error (`portierError(...)`) thrown by
   * or passed to `next()` from a handler is rendered like the gateway's own, in the route's envelope
   * and language; any other is logged and answered `internal_error`, with nothing of it sent. A route
   * with `app: true` that no handler answered is an `internal_error` too (Express would send its HTML 404).
   */
  readonly errorHandler: [
    (req: IncomingMessage, res: ServerResponse, next: Next) => void,
    (error: unknown, req: IncomingMessage, res: ServerResponse, next: Next) => void,
  ];
}

/** Body-parser's own mark: a body already read is not read again by `express.json()`. */
interface ParsedRequest extends IncomingMessage {
  portier?: PortierRequest;
  body?: unknown;
  _body?: boolean;
}

/** One request under the middleware: its `next` is the continuation (called with no argument, it runs the app's handlers). */
class ExpressAdmission extends Admission {
  constructor(
    private readonly req: ParsedRequest,
    private readonly next: Next,
  ) {
    super();
  }

  enterApp(portier: PortierRequest, readBody: Buffer | undefined): void {
    const req = this.req;
    req.portier = portier;
    if (readBody !== undefined) {
      // The stream was read by a stage: hand the app the body, and keep express.json() from waiting on it.
      req.body = portier.body;
      req._body = true;
    }
    this.next();
  }
}

/**
 * Wires a Portier config (a `portier.yaml` path, or an object with the same schema, validated alike)
 * into an Express app. Routes with `app: true` are answered by the app's handlers once Portier's
 * stages passed; requests under the middleware's mount that match no config route get Portier's 404.
 * Throws `PortierConfigError` with every problem when the config is refused.
 */
export function createPortier(source: EmbeddedConfigSource, options: EmbedOptions = {}): PortierExpress {
  const portier = openEmbedded(source, options);
  const { run, fail, unanswered, ...rest } = portier;
  return {
    ...rest,
    middleware: function portierMiddleware(req, res, next) {
      run(req, res, new ExpressAdmission(req, next));
    },
    // Express tells error handlers by their four parameters: the first of the pair is a plain one.
    errorHandler: [
      function portierUnanswered(req, _res, next) {
        if (!unanswered(req)) next();
      },
      function portierErrorHandler(error, req, _res, next) {
        if (!fail(req, error)) next(error);
      },
    ],
  };
}
