/**
 * Redaction for support reports: a value goes when its name says it is a secret, when it has the shape
 * of one (a Portier key, a JWT, a Basic credential, Base64 of a key), or when it is the client's own
 * credential in any form it was sent (as is, URL-encoded, Base64), wherever it appears.
 */

/** Header, query and body field names whose values are secrets. */
const secretName =
  /authorization|cookie|token|secret|password|passwd|passphrase|api[-_]?key|(access|private|secret|signing|master|app|account)[-_]?key|^key$|signature|session|credential/i;

export const redacted = '[redacted]';

/** A Portier key, also with its underscores percent-encoded (`pt%5Flive%5F…`, as some URL encoders write them). */
const portierKey = /pt(?:_|%5F)(?:live|test)(?:_|%5F)(?:[A-Za-z0-9_]|%5F)+/gi;
const jwt = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const basicCredential = /\b(Basic)\s+[A-Za-z0-9+/=_-]+/gi;
/** Runs that may be Base64 (standard or URL-safe): decoded, they are checked for a key. */
const base64Run = /[A-Za-z0-9+/_-]{16,}={0,2}/g;

export function isSecretName(name: string): boolean {
  return secretName.test(name);
}

/** The forms a credential travels in: as is, URL-encoded, Base64 (alone and as `user:key`). */
export function credentialForms(credential: string): string[] {
  if (credential === '') return [];
  const forms = new Set([credential, encodeURIComponent(credential), base64(credential), base64(`${credential}:`), base64(`:${credential}`)]);
  return [...forms].filter((form) => form.length >= 4).sort((a, b) => b.length - a.length);
}

/** Text with every secret-shaped value, and every form of the `own` credentials, replaced. */
export function redactText(text: string, own: readonly string[] = []): string {
  let out = text;
  for (const secret of own) out = out.split(secret).join(redacted);
  out = out.replace(basicCredential, (_match, word: string) => `${word} ${redacted}`);
  out = out.replace(portierKey, redacted).replace(jwt, redacted);
  return out.replace(base64Run, (run) => (decodesToKey(run) ? redacted : run));
}

/**
 * `found`, when given, collects the values redacted for their name, so that the caller can hide them
 * wherever else they show up (an error message quoting the request).
 */
export function redactHeaders(headers: Readonly<Record<string, string>>, own: readonly string[] = [], found?: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = isSecretName(name) ? hide(value, found) : redactText(value, own);
  return out;
}

/** Replaces a secret; remembers it when long enough not to match ordinary words elsewhere. */
function hide(value: string, found: string[] | undefined): string {
  if (found !== undefined && value.length >= 8) found.push(value);
  return redacted;
}

/** A URL with secret-looking query values replaced, any user:password removed, and the rest scanned. */
export function redactUrl(url: string, own: readonly string[] = [], found?: string[]): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    for (const name of [...parsed.searchParams.keys()]) {
      if (isSecretName(name)) parsed.searchParams.set(name, hide(parsed.searchParams.get(name) ?? '', found));
    }
    return redactText(parsed.toString(), own);
  } catch {
    return redactText(url, own);
  }
}

/**
 * A body with secret fields replaced: JSON at any depth, form-encoded (`a=b&c=d`) by name, and any text
 * scanned for secret-shaped values; capped at `maxLength` characters.
 */
export function redactBody(body: string | undefined, maxLength = 10_000, own: readonly string[] = [], found?: string[], indent = 2): string | undefined {
  if (body === undefined) return undefined;
  let text: string;
  try {
    text = JSON.stringify(redactValue(JSON.parse(body), own, found), null, indent);
  } catch {
    text = isFormEncoded(body) ? redactForm(body, own, found) : redactText(body, own);
  }
  return text.length > maxLength ? `${text.slice(0, maxLength)}… (${text.length - maxLength} more characters)` : text;
}

function redactValue(value: unknown, own: readonly string[], found: string[] | undefined): unknown {
  if (typeof value === 'string') return redactText(value, own);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, own, found));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, isSecretName(key) ? hide(typeof item === 'string' ? item : '', found) : redactValue(item, own, found)]),
  );
}

function isFormEncoded(body: string): boolean {
  return /^[^=&\s{}[\]"]+=[^&\s]*(&[^=&\s]+=[^&\s]*)*$/.test(body);
}

function redactForm(body: string, own: readonly string[], found: string[] | undefined): string {
  const form = new URLSearchParams(body);
  const out = new URLSearchParams();
  for (const [name, value] of form) out.append(name, isSecretName(name) ? hide(value, found) : redactText(value, own));
  // The serialized form is scanned too: a key may hide in its percent-encoded text.
  return redactText(out.toString(), own);
}

function decodesToKey(run: string): boolean {
  try {
    const decoded = atob(run.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '').padEnd(Math.ceil(run.replace(/=+$/, '').length / 4) * 4, '='));
    return /pt_(?:live|test)_/.test(decoded) || /^eyJ/.test(decoded);
  } catch {
    return false;
  }
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Text with every form of the `own` credentials replaced, and nothing else changed (a server's own words). */
export function hideOwn(text: string, own: readonly string[]): string {
  let out = text;
  for (const secret of own) out = out.split(secret).join(redacted);
  return out;
}

const ownCredentials = new WeakMap<object, readonly string[]>();

/** Remembers, without putting it on the object, which credential a request carried, for its report. */
export function rememberCredential(request: object, credential: string | undefined): void {
  if (credential !== undefined) ownCredentials.set(request, credentialForms(credential));
}

/** The forms of the credential `request` carried, if the client recorded one. */
export function credentialsOf(request: object): readonly string[] {
  return ownCredentials.get(request) ?? [];
}
