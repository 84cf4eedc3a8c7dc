import { EventEmitter } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http';
import type { PortierConfig } from '../../src/config/config-types.js';
import { parseConfig } from '../../src/config-loader/load-config.js';
import type { RequestView, ResponseSink } from '../../src/pipeline/exchange.js';
import { RequestContext } from '../../src/pipeline/request-context.js';

/** What a policy's unit test says about a request: no socket, no server. */
export interface RequestShape {
  readonly method?: string;
  readonly url?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly remoteAddress?: string;
  /** Raw header lines as the client sent them (repeats kept); defaults to `headers`, each once. */
  readonly rawHeaders?: readonly string[];
  /** HTTP version as `[major, minor]`; defaults to 1.1. */
  readonly httpVersion?: readonly [number, number];
  /** The body the request streams, in chunks; none by default. */
  readonly body?: string | readonly (string | Buffer)[];
}

/** A response that records what a terminal writes, for tests that call one directly. */
export interface RecordingResponse {
  readonly res: ResponseSink;
  /** Status, flat headers (names as written) and body once `end` was called. */
  readonly written: () => { status: number; headers: string[]; body: Buffer; ended: boolean };
}

/**
 * A request context for calling a policy directly. Policies read the request's method, target,
 * headers, peer address and body; only terminals write a response, so none is given unless `res` is.
 */
export function policyContext(shape: RequestShape = {}, res: ResponseSink = unwritable): RequestContext {
  const headers = shape.headers ?? {};
  const chunks = typeof shape.body === 'string' ? [shape.body] : (shape.body ?? []);
  const [major, minor] = shape.httpVersion ?? [1, 1];
  const req: RequestView = {
    method: shape.method ?? 'GET',
    url: shape.url ?? '/',
    headers,
    rawHeaders: shape.rawHeaders ?? Object.entries(headers).flatMap(([name, value]) => [name, String(value)]),
    httpVersionMajor: major,
    httpVersionMinor: minor,
    socket: { remoteAddress: shape.remoteAddress ?? '127.0.0.1' },
    async *[Symbol.asyncIterator]() {
      for (const chunk of chunks) yield Buffer.from(chunk);
    },
  };
  const ctx = new RequestContext(req, res, 0);
  ctx.path = (shape.url ?? '/').split('?')[0] as string;
  return ctx;
}

/** The response of a context made for a stage that must not answer: any write fails the test. */
const unwritable: ResponseSink = new Proxy({} as ResponseSink, {
  get(_target, name) {
    throw new Error(`the stage touched the response (${String(name)}), but only terminals answer`);
  },
});

/** A response with what terminals and the idempotency recorder use: headers, write, end, close, a cut. */
export function recordingResponse(): RecordingResponse {
  const state = { status: 200, headers: [] as string[], chunks: [] as Buffer[], ended: false };
  const own: OutgoingHttpHeaders = {};
  const res = Object.assign(new EventEmitter(), {
    statusCode: 200,
    headersSent: false,
    writableEnded: false,
    setHeader(name: string, value: string) {
      own[name.toLowerCase()] = value;
    },
    getHeaders: () => own,
    writeHead(status: number, headers?: readonly string[] | OutgoingHttpHeaders) {
      res.statusCode = status;
      res.headersSent = true;
      state.status = status;
      if (Array.isArray(headers)) state.headers.push(...(headers as string[]));
      else if (headers !== undefined) for (const [name, value] of Object.entries(headers)) state.headers.push(name, String(value));
      return res;
    },
    write(chunk: string | Uint8Array) {
      state.chunks.push(Buffer.from(chunk));
      return true;
    },
    end(chunk?: string | Uint8Array) {
      if (chunk !== undefined) state.chunks.push(Buffer.from(chunk));
      state.ended = true;
      res.writableEnded = true;
      res.emit('close');
      return res;
    },
    /** A cut connection: closed without an end. */
    destroy() {
      res.emit('close');
      return res;
    },
    writeContinue() {
      state.headers.push(':continue', '100');
    },
  });
  return {
    res,
    written: () => ({ status: state.status, headers: state.headers, body: Buffer.concat(state.chunks), ended: state.ended }),
  };
}

/** A loaded config from YAML text, or the test fails with the problems. */
export function configOf(yaml: string): PortierConfig {
  const result = parseConfig(yaml, 'portier.yaml', {});
  if (!result.ok) throw new Error(result.problems.map((problem) => `${problem.path}: ${problem.message}`).join('\n'));
  return result.config;
}
