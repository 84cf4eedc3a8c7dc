import { catalog, type ErrorCode, type ErrorOwner, type ErrorTexts } from '../errors/catalog.js';
import { defaultLocalizer, type Localizer } from '../errors/localizer.js';
import { fillTemplate } from '../errors/fill-template.js';
import { localizeItem } from '../errors/item-messages.js';
import { localizeParams } from '../errors/param-phrases.js';
import type { ErrorItem, PortierError } from '../errors/portier-error.js';

/**
 * Everything an envelope may show about one error, resolved once from the catalog. Renderers only
 * shape this view; they never look codes up or compute texts, so a new envelope is a small function.
 */
export interface ErrorView {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly owner: ErrorOwner;
  readonly retryable: boolean;
  /** Link to the error's section of the reference. */
  readonly typeUri: string;
  /** The request path the error occurred on (no query string: it may carry secrets). */
  readonly instance: string;
  readonly correlationId: string;
  /** Who produced the error: an upstream's service name, or the gateway's own name. */
  readonly service: string;
  readonly errors: readonly ErrorItem[];
  readonly warnings: readonly ErrorItem[];
  /** Language of title and detail (Content-Language). */
  readonly language: string;
}

export interface ErrorViewContext {
  readonly correlationId: string;
  readonly instance: string;
  readonly typeBaseUrl: string;
  readonly gatewayService: string;
  readonly warnings: readonly ErrorItem[];
  /** Language of the texts (default: the localizer's deployment language). */
  readonly language?: string;
  readonly localizer?: Localizer;
}

export function buildErrorView(error: PortierError, context: ErrorViewContext): ErrorView {
  const entry = catalog[error.code];
  const localizer = context.localizer ?? defaultLocalizer;
  const language = context.language ?? localizer.language;
  const texts = localizer.textsOf(error.code, language);
  return {
    code: error.code,
    status: error.status,
    title: texts.title,
    detail: detailOf(texts, localizeParams(error.params, language)),
    owner: entry.owner,
    retryable: entry.retryable,
    typeUri: `${context.typeBaseUrl}#${error.code}`,
    instance: context.instance,
    correlationId: context.correlationId,
    service: error.service ?? context.gatewayService,
    errors: error.items.length > 0 ? error.items.map((item) => localizeItem(item, language)) : (texts.items ?? []),
    warnings: context.warnings.map((item) => localizeItem(item, language)),
    language,
  };
}

function detailOf(texts: ErrorTexts, params: Readonly<Record<string, string | number>>): string {
  if (texts.fallbackDetail !== undefined && Object.values(params).some((value) => value === '')) {
    return texts.fallbackDetail;
  }
  return fillTemplate(texts.detail, params);
}
