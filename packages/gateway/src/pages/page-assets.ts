import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The pages Portier serves itself (the operators' dashboard, the key holders' portal): plain HTML, CSS
 * and JavaScript files under `packages/gateway/pages/<name>/`, read once at start, no build step, no CDN.
 * Every answer carries the headers a page that handles keys must send: a CSP that allows no inline script
 * or style and no other origin, no framing, no MIME sniffing, no referrer.
 */

/** One file ready to send. */
export interface PageAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

/** The headers every page answer (asset or JSON behind it) carries. */
export const pageSecurityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
};

/** `pages/` beside `src/` and `dist/`: the same two levels up from this file in both. */
const pagesRoot = fileURLToPath(new URL('../../pages/', import.meta.url));

/**
 * Reads every file of one page folder (`dashboard`, `portal`) into memory, by file name. A name not in
 * the map is "not found": nothing outside the folder can be asked for, whatever the path says.
 */
export function loadPageAssets(page: string): ReadonlyMap<string, PageAsset> {
  const folder = join(pagesRoot, page);
  const assets = new Map<string, PageAsset>();
  for (const name of readdirSync(folder)) {
    const contentType = contentTypes[extname(name)];
    if (contentType !== undefined) assets.set(name, { contentType, body: readFileSync(join(folder, name)) });
  }
  return assets;
}
