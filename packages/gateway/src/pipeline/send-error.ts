import type { EnvelopeRenderer } from '../envelopes/envelope-renderer.js';
import { buildErrorView } from '../envelopes/error-view.js';
import type { PortierError } from '../errors/portier-error.js';
import type { RequestContext } from './request-context.js';
import { defaultLocalizer, type Localizer } from '../errors/localizer.js';

export interface ErrorRendering {
  readonly typeBaseUrl: string;
  readonly gatewayService: string;
  /** Correlation header name as sent to clients. */
  readonly correlationHeader: string;
  readonly localizer?: Localizer;
  /** Which envelopes follow Accept-Language (`errors.negotiate`). */
  readonly negotiate?: 'problem' | 'all' | 'none';
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
  const localizer = rendering.localizer ?? defaultLocalizer;
  const negotiate = rendering.negotiate ?? 'problem';
  const negotiated = negotiate === 'all' || (negotiate === 'problem' && renderer.name === 'problem');
  const accept = ctx.req.headers['accept-language'];
  const language = negotiated ? localizer.negotiate(Array.isArray(accept) ? accept.join(',') : accept) : localizer.language;
  const view = buildErrorView(error, {
    language,
    localizer,
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
    'content-language',
    view.language,
  ];
  if (negotiated) headers.push('vary', 'Accept-Language');
  if (error.headers !== undefined) {
    for (const name in error.headers) headers.push(name, error.headers[name] as string);
  }
  for (const item of ctx.responseHeaders) headers.push(item);
  res.writeHead(view.status, headers);
  res.end(ctx.req.method === 'HEAD' ? undefined : rendered.body);
}
