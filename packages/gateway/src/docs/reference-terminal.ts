import type { Localizer } from '../errors/localizer.js';
import { portierError } from '../errors/portier-error.js';
import type { Decision, Terminal } from '../pipeline/policy.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { renderErrorsHtml } from './render-errors-html.js';

/**
 * Serves the HTML error reference: `<path>` in the language the caller's Accept-Language picks,
 * `<path>/<language>` in that language. Pages are rendered once, at boot.
 */
export function createReferenceTerminal(localizer: Localizer, basePath: string, correlationHeader: string): Terminal {
  const pages = new Map(localizer.languages.map((language) => [language, Buffer.from(renderErrorsHtml(language, localizer, { basePath, languages: localizer.languages }))]));
  return {
    name: 'error-reference',
    handle(ctx: RequestContext): Promise<Decision> {
      const requested = ctx.params['language'];
      const language = requested ?? localizer.negotiate(single(ctx.req.headers['accept-language']));
      const page = pages.get(language);
      if (page === undefined) return Promise.resolve(portierError('not_found', { method: ctx.req.method ?? 'GET', path: ctx.path }));
      const headers = ['content-type', 'text/html; charset=utf-8', 'content-length', String(page.length), 'content-language', language];
      headers.push('cache-control', 'public, max-age=300', correlationHeader, ctx.correlationId);
      if (requested === undefined) headers.push('vary', 'Accept-Language');
      ctx.res.writeHead(200, headers);
      ctx.res.end(ctx.req.method === 'HEAD' ? undefined : page);
      return Promise.resolve(undefined);
    },
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
