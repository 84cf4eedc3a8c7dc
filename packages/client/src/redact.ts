/** Header, query and body field names whose values are secrets: never shown in reports. */
const secretName = /authorization|cookie|token|secret|password|passwd|api[-_]?key|^key$|signature|session|credential/i;

export const redacted = '[redacted]';

export function isSecretName(name: string): boolean {
  return secretName.test(name);
}

export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = isSecretName(name) ? redacted : value;
  return out;
}

/** A URL with the values of secret-looking query parameters replaced (and any user:password removed). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    for (const name of [...parsed.searchParams.keys()]) if (isSecretName(name)) parsed.searchParams.set(name, redacted);
    return parsed.toString();
  } catch {
    return url;
  }
}

/** A JSON body with secret-looking fields replaced at any depth; other text as it is (capped). */
export function redactBody(body: string | undefined, maxLength = 10_000): string | undefined {
  if (body === undefined) return undefined;
  let text = body;
  try {
    text = JSON.stringify(redactValue(JSON.parse(body)), null, 2);
  } catch {
    // not JSON: shown as sent
  }
  return text.length > maxLength ? `${text.slice(0, maxLength)}… (${text.length - maxLength} more characters)` : text;
}

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, isSecretName(key) ? redacted : redactValue(item)]));
}
