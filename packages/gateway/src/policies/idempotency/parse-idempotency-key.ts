/** Longest key accepted: enough for any UUID or ULID with a prefix, small enough to store cheaply. */
export const maxIdempotencyKeyLength = 255;

/**
 * Reads an Idempotency-Key header: a structured-field string (`"…"`, the IETF draft) or a bare value
 * (what Stripe's and Codat's clients send). Returns the key, or why it cannot be used.
 */
export function parseIdempotencyKey(header: string | string[]): { key: string } | { reason: string } {
  if (Array.isArray(header)) return { reason: 'it was sent more than once' };
  const value = header.trim();
  if (value === '') return { reason: 'it is empty' };
  const key = value.startsWith('"') ? unquote(value) : value;
  if (typeof key !== 'string') return key;
  if (key.length === 0) return { reason: 'it is empty' };
  if (key.length > maxIdempotencyKeyLength) return { reason: `it is longer than ${maxIdempotencyKeyLength} characters` };
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) return { reason: 'it holds characters outside printable ASCII' };
  }
  return { key };
}

function unquote(value: string): string | { reason: string } {
  if (value.length < 2 || !value.endsWith('"')) return { reason: 'its opening quote is not closed' };
  let key = '';
  for (let i = 1; i < value.length - 1; i++) {
    const char = value[i] as string;
    if (char === '\\') {
      const next = value[i + 1];
      if ((next !== '"' && next !== '\\') || i + 1 === value.length - 1) return { reason: 'it has an invalid escape' };
      key += next;
      i++;
    } else if (char === '"') {
      return { reason: 'it has an unescaped quote inside' };
    } else {
      key += char;
    }
  }
  return key;
}
