import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../clock.js';
import { portierError } from '../../errors/portier-error.js';
import type { Decision, Terminal } from '../../pipeline/policy.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import { BodySizeLimiter } from '../request-body/limit-body-stream.js';
import { classifyUpstreamFailure } from './classify-upstream-failure.js';
import { buildUpstreamHeaders, type ForwardOptions } from './forward-headers.js';
import { normalizeUpstreamError } from './normalize-upstream-error.js';
import { buildClientHeaders } from './response-headers.js';
import type { UpstreamClient } from './upstream-client.js';

export interface ProxyOptions extends ForwardOptions {
  readonly maxBodyBytes: number;
  readonly clock: Clock;
  readonly unavailableRetryAfterSeconds: number;
}

type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** Failures of the upstream that count against its circuit breaker. */
const breakerStatuses = new Set([502, 503, 504]);

/**
 * Forwards the request to the route's upstream and streams the answer back. Errors before the
 * response starts are returned for the pipeline to render; after that the connection is cut so the
 * client never mistakes a truncated body for a whole one.
 */
export function createProxyTerminal(upstream: UpstreamClient, options: ProxyOptions): Terminal {
  const { breaker } = upstream;
  const normalize = upstream.config.errors === 'normalize';
  const service = upstream.serviceName;
  return {
    name: 'proxy',
    handle: async function proxyRequest(ctx: RequestContext): Promise<Decision> {
      const waitSeconds = breaker.admit();
      if (waitSeconds > 0) {
        return portierError('service_unavailable', { service }, { service, headers: { 'Retry-After': String(waitSeconds) } });
      }
      const { req, res } = ctx;
      const abort = new AbortController();
      const onClose = (): void => {
        if (!res.writableFinished) abort.abort();
      };
      res.once('close', onClose);
      const limiter = bodyNeedsCounting(req) ? new BodySizeLimiter(options.maxBodyBytes) : undefined;
      const sent = performance.now();
      let response;
      try {
        response = await upstream.pool.request({
          method: req.method as HttpMethod,
          path: upstream.basePath + (req.url as string),
          headers: buildUpstreamHeaders(req, ctx.correlationId, options),
          body: requestBody(req, limiter),
          signal: abort.signal,
        });
      } catch (error) {
        ctx.upstreamMs = performance.now() - sent;
        if (limiter?.exceeded === true) {
          return portierError('payload_too_large', { limitBytes: options.maxBodyBytes }, { headers: { Connection: 'close' } });
        }
        if (abort.signal.aborted || req.destroyed) {
          breaker.releaseTrial();
          return undefined; // the client left; nobody to answer
        }
        const failure = classifyUpstreamFailure(error, upstream);
        if (failure === undefined) {
          breaker.releaseTrial();
          throw error;
        }
        breaker.recordFailure();
        return failure;
      }
      ctx.upstreamMs = performance.now() - sent;
      const status = response.statusCode;
      if (breakerStatuses.has(status)) breaker.recordFailure();
      else breaker.recordSuccess();
      if (status >= 400 && normalize) {
        res.off('close', onClose);
        return normalizeUpstreamError(response, upstream, options.clock);
      }
      const headers = buildClientHeaders(response.headers, options.correlationHeader);
      headers.push(options.correlationHeader, ctx.correlationId);
      if (status === 503 && response.headers['retry-after'] === undefined) {
        headers.push('retry-after', String(options.unavailableRetryAfterSeconds));
      }
      for (const item of ctx.responseHeaders) headers.push(item);
      res.writeHead(status, headers);
      await streamBody(response.body, ctx);
      res.off('close', onClose);
      return undefined;
    },
  };
}

function bodyNeedsCounting(req: IncomingMessage): boolean {
  return req.headers['content-length'] === undefined && req.headers['transfer-encoding'] !== undefined;
}

function requestBody(req: IncomingMessage, limiter: BodySizeLimiter | undefined): Readable | null {
  if (limiter !== undefined) return req.pipe(limiter);
  const length = req.headers['content-length'];
  return length === undefined || length === '0' ? null : req;
}

function streamBody(body: Readable, ctx: RequestContext): Promise<void> {
  return new Promise((resolve) => {
    pipeline(body, ctx.res, (error) => {
      if (error !== undefined && error !== null && !ctx.res.writableFinished) {
        // A premature close on our side is the client leaving; anything else is the upstream breaking off.
        if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') ctx.brokenMidResponse = true;
        ctx.res.destroy();
      }
      resolve();
    });
  });
}
