import { IncomingMessage, ServerResponse, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

/** Request headers by lower-case name, as Node parses them (repeats joined or listed). */
export type RequestHeaders = Readonly<IncomingHttpHeaders>;

/** Response headers by name, as `getHeaders()` returns them. */
export type ResponseHeaders = OutgoingHttpHeaders;

/**
 * What a stage may know of the request it serves. Node's `IncomingMessage` is one; so is a plain
 * object, in a policy's unit test, or whatever another server hands an adapter. Stages read only
 * this, so none of them is tied to node:http.
 */
export interface RequestView extends AsyncIterable<Buffer> {
  readonly method?: string | undefined;
  /** The target as sent; the request-target stage replaces it with the origin form it matched. */
  url?: string | undefined;
  readonly headers: RequestHeaders;
  /** Header lines as the client sent them, repeats kept: name, value, name, value. */
  readonly rawHeaders: readonly string[];
  readonly httpVersionMajor: number;
  readonly httpVersionMinor: number;
  readonly socket: { readonly remoteAddress?: string | undefined };
}

type ResponseEvent = 'close' | 'finish';

/**
 * What a stage may do to the response: the part of Node's `ServerResponse` a gateway answer needs.
 * Terminals write it; the idempotency recorder wraps `writeHead`/`write`/`end` to keep a copy.
 */
export interface ResponseSink {
  statusCode: number;
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  writeHead(status: number, headers?: string[] | ResponseHeaders): unknown;
  write(chunk: string | Uint8Array): boolean;
  end(chunk?: string | Uint8Array): unknown;
  /** Sends `100 Continue` to a client that waits for it before its body. */
  writeContinue(): void;
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  getHeaders(): ResponseHeaders;
  /** Cuts the connection: the one honest end once a status line is out and the rest cannot follow. */
  destroy(error?: Error): unknown;
  once(event: ResponseEvent, listener: () => void): unknown;
  on(event: ResponseEvent, listener: () => void): unknown;
  off(event: ResponseEvent, listener: () => void): unknown;
}

// Node's own request and response, for the one stage that streams through them: the proxy pipes the
// body to undici, and undici writes the answer into the response. False under a server that is not
// node:http, where the proxy cannot run.
export function isNodeRequest(req: RequestView): req is IncomingMessage {
  return req instanceof IncomingMessage;
}

export function isNodeResponse(res: ResponseSink): res is ServerResponse {
  return res instanceof ServerResponse;
}
