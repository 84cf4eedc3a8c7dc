import type { RequestHeaders } from '../../pipeline/exchange.js';
import type { CredentialScheme } from '../../config/config-types.js';
import { alternatives, phrase } from '../../errors/param-phrases.js';

export type Credential =
  | { readonly kind: 'none' }
  | { readonly kind: 'malformed'; readonly hint: string }
  | { readonly kind: 'key'; readonly value: string };

const none: Credential = { kind: 'none' };
const quoted = /^(["'`]).*\1$|^["'`]|["'`]$/s;
const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** How a deployment expects keys, resolved once from config. */
export interface CredentialRules {
  readonly schemes: readonly CredentialScheme[];
  /** Lower-case name of the header read by the `header` scheme. */
  readonly header: string;
  /** "`Authorization: Bearer <key>`" and the like, for messages. */
  readonly expected: string;
}

export function credentialRules(schemes: readonly CredentialScheme[], header: string): CredentialRules {
  const forms = schemes.map((scheme) => {
    switch (scheme) {
      case 'bearer':
        return '`Authorization: Bearer <key>`';
      case 'token':
        return '`Authorization: Token <key>`';
      case 'basic':
        return '`Authorization: Basic <base64 of the key>`';
      case 'header':
        return `\`${header}: <key>\``;
    }
  });
  return { schemes, header: header.toLowerCase(), expected: alternatives(forms) };
}

/**
 * Finds the key in a request and says precisely what is wrong when it is there but badly sent:
 * wrong or missing scheme, quotes around it, spaces inside, Basic credentials that are not base64.
 */
export function extractCredential(headers: RequestHeaders, rules: CredentialRules): Credential {
  if (rules.schemes.includes('header')) {
    const value = headers[rules.header];
    if (typeof value === 'string' && value !== '') return checkBareKey(value.trim());
  }
  const authorization = headers.authorization;
  if (authorization === undefined || authorization.trim() === '') return none;
  const value = authorization.trim();
  const space = value.search(/\s/);
  if (space === -1) {
    return { kind: 'malformed', hint: phrase('schemeMissing') };
  }
  const scheme = value.slice(0, space).toLowerCase();
  const rest = value.slice(space).trim();
  if (scheme !== 'bearer' && scheme !== 'token' && scheme !== 'basic') {
    return { kind: 'malformed', hint: phrase('schemeUnknown', { scheme: printable(value.slice(0, space)) }) };
  }
  if (!rules.schemes.includes(scheme)) {
    return { kind: 'malformed', hint: phrase('schemeNotAccepted', { scheme: value.slice(0, space) }) };
  }
  if (scheme !== 'basic') return checkBareKey(rest);
  if (!base64.test(rest)) return { kind: 'malformed', hint: phrase('basicNotBase64') };
  const decoded = Buffer.from(rest, 'base64').toString('utf8');
  // Basic carries user:password; the key may be sent as the user, with or without an empty password.
  return checkBareKey(decoded.endsWith(':') ? decoded.slice(0, -1) : decoded);
}

function checkBareKey(key: string): Credential {
  if (quoted.test(key)) return { kind: 'malformed', hint: phrase('keyQuoted') };
  if (/\s/.test(key)) return { kind: 'malformed', hint: phrase('keyHasSpaces') };
  if (key === '') return { kind: 'malformed', hint: phrase('keyEmpty') };
  return { kind: 'key', value: key };
}

/** Keeps a client-sent word safe to echo: printable ASCII, bounded. */
function printable(text: string): string {
  return text.replace(/[^\x21-\x7e]/g, '?').slice(0, 20);
}
