import type { PortierConfig } from '../../config/config-types.js';

const varyOnOrigin: readonly string[] = Object.freeze(['vary', 'Origin']);

/**
 * The CORS answers of one deployment, computed once: which origins may call, and the headers that go
 * on a preflight and on every answer to an allowed origin (errors included, so scripts can read the
 * correlation ID of a failure).
 */
export class Cors {
  private readonly anyOrigin: boolean;
  private readonly origins: ReadonlySet<string>;
  private readonly exposed: string;
  private readonly allowHeaders: string;

  constructor(
    private readonly settings: NonNullable<PortierConfig['cors']>,
    correlationHeader: string,
  ) {
    this.anyOrigin = settings.origins.includes('*');
    this.origins = new Set(settings.origins);
    this.exposed = [correlationHeader.toLowerCase(), ...settings.exposeHeaders].join(', ');
    this.allowHeaders = settings.allowHeaders.join(', ');
  }

  /**
   * Headers for an answer to `origin` (flat pairs). Every answer says `Vary: Origin`, also without an
   * Origin or to one not allowed: a shared cache must not hand that copy, without CORS headers, to an
   * allowed origin's browser.
   */
  responseHeaders(origin: string | undefined): readonly string[] {
    const allowed = origin === undefined ? undefined : this.allowedOrigin(origin);
    if (allowed === undefined) return varyOnOrigin;
    const headers = ['access-control-allow-origin', allowed, 'access-control-expose-headers', this.exposed, 'vary', 'Origin'];
    if (this.settings.credentials) headers.push('access-control-allow-credentials', 'true');
    return headers;
  }

  /** Headers of a 204 preflight answer for a path that accepts `methods`; only `vary` when the origin is not allowed. */
  preflightHeaders(origin: string, methods: string): readonly string[] {
    const allowed = this.allowedOrigin(origin);
    if (allowed === undefined) return varyOnOrigin;
    const headers = ['access-control-allow-origin', allowed, 'access-control-allow-methods', methods, 'access-control-allow-headers', this.allowHeaders];
    headers.push('access-control-max-age', String(this.settings.maxAgeSeconds), 'vary', 'Origin');
    if (this.settings.credentials) headers.push('access-control-allow-credentials', 'true');
    return headers;
  }

  private allowedOrigin(origin: string): string | undefined {
    if (this.origins.has(origin)) return origin;
    if (this.anyOrigin) return this.settings.credentials ? origin : '*';
    return undefined;
  }
}
