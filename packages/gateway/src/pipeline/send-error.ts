import type { EnvelopeRenderer } from '../envelopes/envelope-renderer.js';
import { buildErrorView } from '../envelopes/error-view.js';
import type { PortierError } from '../errors/portier-error.js';
import type { RequestContext } from './request-context.js';

export interface ErrorRendering {
  readonly typeBaseUrl: string;
  readonly gatewayService: string;
  /** Correlation header name as sent to clients. */
  readonly correlationHeader: string;
}

/**
 * Writes a catalogued error in the given envelope. If the response has already started, the only
 * honest thing left is to cut the connection.
 */
export function sendError(ctx: RequestContext, error: PortierError, renderer: EnvelopeRenderer, rendering: ErrorRendering): void {
  const { res } = ctx;
  ctx.errorCode = error.code;
  if (res.headersSent) {
    ctx.brokenMidResponse = true;
    res.destroy();
    return;
  }
  const view = buildErrorView(error, {
    correlationId: ctx.correlationId,
    instance: ctx.path,
    typeBaseUrl: rendering.typeBaseUrl,
    gatewayService: rendering.gatewayService,
    warnings: ctx.warnings,
  });
  const rendered = renderer.renderError(view);
  const headers: string[] = [
    'content-type',
    rendered.contentType,
    'content-length',
    String(Buffer.byteLength(rendered.body)),
    'cache-control',
    'no-store',
    rendering.correlationHeader,
    ctx.correlationId,
  ];
  if (error.headers !== undefined) {
    for (const name in error.headers) headers.push(name, error.headers[name] as string);
  }
  for (const item of ctx.responseHeaders) headers.push(item);
  res.writeHead(view.status, headers);
  res.end(ctx.req.method === 'HEAD' ? undefined : rendered.body);
}
