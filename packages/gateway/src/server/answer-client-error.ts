import type { ErrorCode } from '../errors/catalog.js';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { PortierConfig } from '../config/config-types.js';
import { buildErrorView } from '../envelopes/error-view.js';
import { renderers } from '../envelopes/renderers.js';
import { portierError, type PortierError } from '../errors/portier-error.js';
import { phrase } from '../errors/param-phrases.js';
import type { AccessLog } from '../log/access-log.js';
import type { EnvelopeName } from '../envelopes/envelope-names.js';

const reasonPhrases: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** Writes one catalogued error straight onto a socket that never became a request/response pair, then closes it. */
export type SocketAnswer = (socket: Duplex, error: PortierError, request?: { readonly method: string; readonly correlationId: string }) => void;

/**
 * Answers on the raw socket, for what Node hands over without a response object (parser errors,
 * CONNECT): the default envelope (problem+json on the admin port), a correlation ID, an access-log line
 * (none on the admin port, whose requests are not in the access log), then the connection closes.
 */
export function createSocketAnswer(config: PortierConfig, accessLog: AccessLog | undefined, envelope: EnvelopeName = config.errors.envelope): SocketAnswer {
  const renderer = renderers[envelope];
  return function answerOnSocket(socket, portier, request): void {
    const correlationId = request?.correlationId ?? randomUUID();
    const view = buildErrorView(portier, {
      correlationId,
      instance: '',
      typeBaseUrl: config.errors.typeBaseUrl,
      gatewayService: config.errors.service,
      warnings: [],
    });
    const rendered = renderer.renderError(view);
    const lines = [
      `HTTP/1.1 ${view.status} ${reasonPhrases[view.status] ?? 'Error'}`,
      `Content-Type: ${rendered.contentType}`,
      `Content-Length: ${Buffer.byteLength(rendered.body)}`,
      `${config.correlation.header}: ${correlationId}`,
      'Cache-Control: no-store',
      'Connection: close',
    ];
    for (const name in portier.headers) lines.push(`${name}: ${portier.headers[name] ?? ''}`);
    accessLog?.write({
      correlationId,
      method: request?.method ?? '',
      path: '',
      route: undefined,
      status: view.status,
      code: portier.code,
      account: undefined,
      keyId: undefined,
      totalMs: 0,
      upstreamMs: undefined,
      brokenMidResponse: false,
      clientClosed: false,
    });
    socket.end(`${lines.join('\r\n')}\r\n\r\n${rendered.body}`);
  };
}

/** What Node's parser and timeouts can end any request with, before the pipeline sees it. */
export const clientErrorCodes = ['bad_request', 'header_fields_too_large', 'request_timeout'] as const satisfies readonly ErrorCode[];

/** The response Node has attached to a socket: the oldest request on it still being answered. */
interface InFlightResponse {
  readonly headersSent: boolean;
  readonly writableFinished: boolean;
  readonly destroyed: boolean;
  readonly req?: { readonly complete: boolean };
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

function inFlightResponse(socket: Duplex): InFlightResponse | undefined {
  const message = (socket as Duplex & { _httpMessage?: InFlightResponse | null })._httpMessage;
  return message === null || message === undefined || message.writableFinished || message.destroyed ? undefined : message;
}

/**
 * Calls `then` once every request before the one that broke the connection has been answered. With
 * pipelining, the bytes that break the parser may come after whole requests the pipeline is still
 * answering; writing our answer at once would put it first, where the client reads it as the answer
 * to its first request (whose own answer is then lost). Node attaches the next pipelined response
 * when one finishes, so this waits for each in turn. Stops at a response whose request is itself
 * incomplete: that is the one the broken bytes belong to.
 */
export function afterCompleteRequests(socket: Duplex, then: (broken: InFlightResponse | undefined) => void): void {
  const current = socket.destroyed ? undefined : inFlightResponse(socket);
  if (current === undefined || current.req?.complete !== true) {
    then(current);
    return;
  }
  let waited = false;
  const next = (): void => {
    if (waited) return;
    waited = true;
    // After Node's own 'finish' listener has attached the next pipelined response, if any.
    setImmediate(() => afterCompleteRequests(socket, then));
  };
  current.once('finish', next);
  current.once('close', next);
}

/**
 * Answers requests that Node's HTTP parser rejected before they became requests (malformed,
 * oversized headers, too slow) with a catalogued error and a fresh correlation ID, then closes.
 */
export function createClientErrorHandler(
  config: PortierConfig,
  answer: SocketAnswer,
  /**
   * Sockets already answered: Node's parser reports a broken stream again for every later chunk on the
   * same socket. A gateway shares one set across reloads, so a socket is never answered twice.
   */
  handled: WeakSet<Duplex> = new WeakSet<Duplex>(),
) {
  return function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
    if (handled.has(socket)) return;
    handled.add(socket);
    if (error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    if (error.code === 'HPE_CLOSED_CONNECTION') {
      // Bytes after a request that said `Connection: close` are not a request (RFC 9112, 9.6): no answer
      // of their own, which the client would read as the answer to that request; the connection closes
      // once the answers before them are out, as that request asked.
      afterCompleteRequests(socket, () => socket.end());
      return;
    }
    afterCompleteRequests(socket, (broken) => {
      // A response whose head is already out cannot be followed by another status line: bytes written
      // now would be read as part of it (Node's own handler makes the same check). A client that ends
      // its side halfway through a request's body has gone away: that request's own log line says so,
      // and no second answer with another correlation ID is written beside it.
      const clientLeft = broken !== undefined && error.code === 'HPE_INVALID_EOF_STATE';
      if (!socket.writable || broken?.headersSent === true || clientLeft) {
        socket.destroy();
        return;
      }
      answer(socket, toPortierError(error, config));
    });
  };
}
function toPortierError(error: NodeJS.ErrnoException, config: PortierConfig): PortierError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return portierError('header_fields_too_large', { limitBytes: config.server.maxHeaderBytes });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return portierError('request_timeout', { timeoutMs: config.server.requestTimeoutMs });
    default:
      return portierError('bad_request', { reason: describeParserError(error.code) });
  }
}

function describeParserError(code: string | undefined): string {
  switch (code) {
    case 'HPE_INVALID_HEADER_TOKEN':
      return phrase('httpHeaderToken');
    case 'HPE_INVALID_METHOD':
      return phrase('httpMethod');
    case 'HPE_INVALID_URL':
      return phrase('httpUrl');
    case 'HPE_INVALID_VERSION':
      return phrase('httpVersion');
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_CONTENT_LENGTH':
      return phrase('httpContentLength');
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return phrase('httpTransferEncoding');
    case 'HPE_INVALID_CHUNK_SIZE':
      return phrase('httpChunks');
    default:
      return phrase('httpMalformed');
  }
}
