import type { ErrorView } from './error-view.js';

/** A rendered error body, ready to write. */
export interface RenderedError {
  readonly contentType: string;
  readonly body: string;
}

/**
 * Turns an error view into one API's error shape. One renderer per envelope (problem, and later the
 * codat, braze and seatable shapes); chosen per deployment or per route in config.
 */
export interface EnvelopeRenderer {
  readonly name: string;
  /** JSON Schema (2020-12) of the error bodies it writes: used for the OpenAPI document. */
  readonly schema: Readonly<Record<string, unknown>>;
  renderError(view: ErrorView): RenderedError;
}
