import { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context, ErrorHandler, MiddlewareHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { PortierRequest } from '../portier-request.js';
import { AwaitedAdmission, openEmbedded, type ExposedPortier, type EmbedOptions } from '../open-embedded.js';
import type { EmbeddedConfigSource } from '../load-embedded-config.js';
import { PortierError } from '../../errors/portier-error.js';

export type { PortierRequest } from '../portier-request.js';
export type { EmbedOptions } from '../open-embedded.js';
export type { OperationAnswer, OperationHandler, OperationHandlers, OperationJob } from '../../operations/operation-handler.js';
export { PortierConfigError, type EmbeddedConfigSource } from '../load-embedded-config.js';
export { PortierError, portierError, type ErrorItem } from '../../errors/portier-error.js';
export type { ErrorCode } from '../../errors/catalog.js';

/** What Portier puts in a Hono context it hands to the app: `c.get('portier')`. */
export interface PortierVariables {
  /** Set on every request Portier handed over to the app (`app: true` routes), once every stage passed. */
  portier: PortierRequest;
}

/** The Hono env of an app guarded by Portier on @hono/node-server: `new Hono<PortierEnv>()`. */
export interface PortierEnv {
  Bindings: HttpBindings;
  Variables: PortierVariables;
}

/** Portier inside a Hono app served by @hono/node-server. */
export interface PortierHono extends ExposedPortier {
  /**
   * `app.use('/v1/*', portier.middleware)` before the routes: runs every stage on Node's request and
   * response (`c.env.incoming`/`outgoing`), answers what it refuses, and lets the app's handler answer
   * the rest with `c.get('portier')`. A catalog error (`portierError(...)`) the handler throws is
   * rendered like the gateway's own, in the route's envelope and language; any other error is logged
   * and answered `internal_error`, with nothing of it sent. Hono's own 4xx (`HTTPException`) stay Hono's.
   */
  readonly middleware: MiddlewareHandler<PortierEnv>;
  /**
   * `app.onError(portier.onError)`: keeps Hono's default handler from printing the errors Portier
   * renders (Portier logs them under the correlation ID); other requests get Hono's default answer.
   */
  readonly onError: ErrorHandler;
  /**
   * `app.notFound(portier.notFound)`: a route with `app: true` that no handler of the app answers is
   * an `internal_error`, logged with the route's id, instead of Hono's plain-text 404; other requests
   * get Hono's default 404.
   */
  readonly notFound: NotFoundHandler;
}

/**
 * Wires a Portier config (a `portier.yaml` path, or an object with the same schema, validated alike)
 * into a Hono app on @hono/node-server. Config paths are the full paths (Hono does not strip a
 * mount's prefix); requests the middleware sees that match no config route get Portier's 404.
 * Throws `PortierConfigError` with every problem when the config is refused.
 */
export function createPortier(source: EmbeddedConfigSource, options: EmbedOptions = {}): PortierHono {
  const portier = openEmbedded(source, options);
  const { run, fail, unanswered, ...rest } = portier;
  /** Contexts Portier handed to the app, and those of them that reached Hono's not-found handler. */
  const handedOver = new WeakSet<Context>();
  const reachedNotFound = new WeakSet<Context>();

  /** Portier answers (or has answered) on Node's response: Hono must not write `c.res` too. */
  const alreadySent = (c: Context, outgoing: ServerResponse): Response => {
    if (c.req.method === 'HEAD') skipHeadCopy(outgoing);
    // Set in two steps: assigning over a response Hono has merges that one's headers into a copy.
    c.res = undefined;
    c.res = RESPONSE_ALREADY_SENT;
    return RESPONSE_ALREADY_SENT;
  };

  const middleware: MiddlewareHandler<PortierEnv> = async function portierMiddleware(c, next) {
    const { incoming, outgoing } = (c.env ?? {}) as Partial<HttpBindings>;
    if (!(incoming instanceof IncomingMessage) || !(outgoing instanceof ServerResponse)) {
      throw new Error('portier/hono runs on @hono/node-server over HTTP/1.1: c.env has no Node request and response');
    }
    const state = new AwaitedAdmission();
    run(incoming, outgoing, state);
    // Portier answered (a refusal, a replay, a built-in route) on Node's response.
    if ((await state.outcome) === 'answered' || state.portier === undefined) return alreadySent(c, outgoing);
    c.set('portier', state.portier);
    handedOver.add(c);
    if (state.readBody !== undefined) {
      // The stream was read by a stage: the app's c.req.json()/text()/parseBody() read the same bytes.
      const raw = c.req.raw;
      c.req.raw = new Request(raw.url, { method: raw.method, headers: raw.headers, body: state.readBody, signal: raw.signal });
    }
    let thrown: unknown;
    try {
      await next();
      thrown = c.error;
    } catch (error) {
      // Hono passes on what is not an Error (a thrown string): the same failure.
      thrown = error;
    }
    if (reachedNotFound.has(c)) {
      if (unanswered(incoming)) return alreadySent(c, outgoing);
      return undefined;
    }
    // Rendered by Portier on Node's response; Hono's own answer to it is dropped.
    if (thrown !== undefined && !isFrameworkRefusal(thrown) && fail(incoming, thrown)) return alreadySent(c, outgoing);
    return undefined;
  };

  return {
    ...rest,
    middleware,
    onError: function portierOnError(error, c) {
      // The middleware renders it: Hono's answer is a placeholder, dropped.
      if (handedOver.has(c) && !isFrameworkRefusal(error)) return new Response(null, { status: 500 });
      // Hono's default: an HTTPException's own answer, anything else a plain 500.
      if (error instanceof HTTPException) return error.getResponse();
      console.error(error);
      return c.text('Internal Server Error', 500);
    },
    notFound: function portierNotFound(c) {
      if (!handedOver.has(c)) return c.text('404 Not Found', 404);
      reachedNotFound.add(c);
      return new Response(null, { status: 500 });
    },
  };
}

/** Hono's own refusals (an `HTTPException` 4xx: a validator, a body limit) stay Hono's answers. */
function isFrameworkRefusal(error: unknown): boolean {
  return !(error instanceof PortierError) && error instanceof HTTPException && error.status >= 400 && error.status < 500;
}

/**
 * Hono answers HEAD with a copy of the GET answer, and @hono/node-server writes that copy even when
 * it is RESPONSE_ALREADY_SENT (its marker header is honoured on the original only): that one write is
 * skipped on Node's response, whose answer is Portier's.
 */
function skipHeadCopy(outgoing: ServerResponse): void {
  const { writeHead, end } = outgoing;
  let skipping = false;
  outgoing.writeHead = function skipMarkedHead(this: ServerResponse, ...args: unknown[]): ServerResponse {
    const headers = args.find((item): item is object => typeof item === 'object' && item !== null && !Array.isArray(item));
    if (headers !== undefined && ALREADY_SENT_HEADER in headers) {
      skipping = true;
      return this;
    }
    return (writeHead as (...all: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
  outgoing.end = function skipMarkedEnd(this: ServerResponse, ...args: unknown[]): ServerResponse {
    if (skipping) {
      skipping = false;
      return this;
    }
    return (end as (...all: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['end'];
}

/** The header RESPONSE_ALREADY_SENT carries (@hono/node-server's marker). */
const ALREADY_SENT_HEADER = [...RESPONSE_ALREADY_SENT.headers.keys()][0] ?? 'x-hono-already-sent';
