import { phrase } from '../../errors/param-phrases.js';

/** Longest key accepted: enough for any UUID or ULID with a prefix, small enough to store cheaply. */
export const maxIdempotencyKeyLength = 255;

/** A key is printable ASCII, space included (what a structured-field string may hold). */
const notPrintableAscii = /[^\x20-\x7e]/;

/**
 * Reads an Idempotency-Key header: a structured-field string (`"…"`, the IETF draft) or a bare value
 * (what Stripe's and Codat's clients send). Returns the key, or why it cannot be used.
 */
export function parseIdempotencyKey(header: string | string[]): { key: string } | { reason: string } {
  if (Array.isArray(header)) return { reason: phrase('idempotencySentTwice') };
  const value = header.trim();
  const key = value.startsWith('"') ? unquote(value) : value;
  if (typeof key !== 'string') return key;
  if (key.length === 0) return { reason: phrase('idempotencyEmpty') };
  if (key.length > maxIdempotencyKeyLength) return { reason: phrase('idempotencyTooLong', { max: String(maxIdempotencyKeyLength) }) };
  if (notPrintableAscii.test(key)) return { reason: phrase('idempotencyNotAscii') };
  return { key };
}

function unquote(value: string): string | { reason: string } {
  if (value.length < 2 || !value.endsWith('"')) return { reason: phrase('idempotencyQuoteOpen') };
  let key = '';
  for (let i = 1; i < value.length - 1; i++) {
    const char = value[i] as string;
    if (char === '\\') {
      const next = value[i + 1];
      if ((next !== '"' && next !== '\\') || i + 1 === value.length - 1) return { reason: phrase('idempotencyBadEscape') };
      key += next;
      i++;
    } else if (char === '"') {
      return { reason: phrase('idempotencyInnerQuote') };
    } else {
      key += char;
    }
  }
  return key;
}
