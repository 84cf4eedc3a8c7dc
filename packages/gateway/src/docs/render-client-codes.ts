import { catalog, errorCodes } from '../errors/catalog.js';

/**
 * packages/client/src/error-codes.ts: the catalog's codes with their status and retryable flag, so the
 * SDK (which must not depend on the gateway) types `error.code` from the one catalog. Written by
 * `npm run docs`; a test fails when it is stale.
 */
export function renderClientCodes(): string {
  const lines = [
    '// Generated from packages/gateway/src/errors/catalog.ts by `npm run docs`. Do not edit by hand.',
    '',
    '/** Every error code a Portier gateway can answer with: its default status and whether retrying later may help. */',
    'export const portierErrorCodes = {',
  ];
  for (const code of errorCodes) {
    const entry = catalog[code];
    if ('offline' in entry) continue;
    lines.push(`  ${code}: { status: ${entry.status}, retryable: ${entry.retryable} },`);
  }
  lines.push('} as const;', '', 'export type PortierErrorCode = keyof typeof portierErrorCodes;', '');
  return lines.join('\n');
}
