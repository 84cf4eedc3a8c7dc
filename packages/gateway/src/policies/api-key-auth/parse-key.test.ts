import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { toBase62 } from '../../accounts/keys/base62.js';
import { generateKey, parseKey, type ParsedKey } from '../../accounts/keys/key-format.js';
import { phrase } from '../../errors/param-phrases.js';

// `parseKey` decides without a match array or a written-out checksum: this test holds it to what the
// exec-and-encode form decided, on keys and mangled keys alike.

/** `parseKey` as it was: one `exec` with captures, the checksum written out in base62 and compared. */
function parseKeyAsBefore(key: string): ParsedKey {
  const match = /^pt_(live|test)_([a-z][a-z0-9]{0,15})_([0-9A-Za-z]+)$/.exec(key);
  if (match === null) return { ok: false, hint: phrase(key.startsWith('pt_') ? 'keyMangled' : 'notOurKey') };
  const [, environment, instance, tail] = match as unknown as [string, 'live' | 'test', string, string];
  if (tail.length !== 38) return { ok: false, hint: phrase(tail.length < 38 ? 'keyCutShort' : 'keyTooLong') };
  const body = key.slice(0, key.length - 6);
  if (toBase62(crc32(body), 6) !== key.slice(-6)) return { ok: false, hint: phrase('checksumMismatch') };
  return { ok: true, id: tail.slice(0, 8), environment, instance };
}

/** Keys and what can go wrong with them: every character changed, cut, extended, other prefixes. */
function variants(): string[] {
  const out: string[] = [];
  for (const scope of [{ environment: 'live', instance: 'eu1' }, { environment: 'test', instance: 'a' }, { environment: 'live', instance: 'abcdefghijklmnop' }] as const) {
    for (let n = 0; n < 20; n++) {
      const key = generateKey(scope).secret;
      out.push(key, key.slice(0, -1), `${key}0`, key.replace('pt_', 'pk_'), key.replace('_live_', '_Live_'), key.toLowerCase(), key.toUpperCase());
      for (let i = 0; i < key.length; i++) {
        for (const char of ['0', 'z', 'Z', '_', ' ', '"', 'é']) out.push(key.slice(0, i) + char + key.slice(i + 1));
      }
    }
  }
  out.push('', 'pt_', 'pt_live_', 'pt_live_eu1_', 'Bearer', 'x'.repeat(60));
  return out;
}

describe('api-key-auth: parseKey', () => {
  it('parseKey: decides every key and mangled key as the exec-and-encode form did', () => {
    const differing = variants().filter((key) => JSON.stringify(parseKey(key)) !== JSON.stringify(parseKeyAsBefore(key)));
    expect(differing).toEqual([]);
  });
});
