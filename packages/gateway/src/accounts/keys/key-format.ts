import { crc32 } from 'node:zlib';
import { fromBase62, randomBase62, toBase62 } from './base62.js';
import { phrase } from '../../errors/param-phrases.js';

/**
 * Portier API keys: `pt_<environment>_<instance>_<id><secret><checksum>`, for example
 * `pt_live_eu1_3Fq9TzKb...`. The prefix says at a glance which deployment a key belongs to; the id
 * (8 characters) is public and used for lookups and display; the secret (24 characters, 142 bits) is
 * never stored; the checksum (CRC-32, 6 characters) tells a mistyped or truncated key from an unknown
 * one without a lookup.
 */

const idLength = 8;
const secretLength = 24;
const checksumLength = 6;
const tailLength = idLength + secretLength + checksumLength;
const keyPattern = /^pt_(live|test)_([a-z][a-z0-9]{0,15})_([0-9A-Za-z]+)$/;

export interface KeyScope {
  readonly environment: 'live' | 'test';
  readonly instance: string;
}

export interface GeneratedKey {
  readonly id: string;
  /** The whole key: shown once, never stored. */
  readonly secret: string;
}

export type ParsedKey =
  | { readonly ok: true; readonly id: string; readonly environment: 'live' | 'test'; readonly instance: string }
  | { readonly ok: false; readonly hint: string };

export function generateKey(scope: KeyScope): GeneratedKey {
  const id = randomBase62(idLength);
  const body = `pt_${scope.environment}_${scope.instance}_${id}${randomBase62(secretLength)}`;
  return { id, secret: body + checksumOf(body) };
}

/** Checks a presented key's form and checksum; the hint says what is wrong, in the caller's terms. */
export function parseKey(key: string): ParsedKey {
  // `test`, not `exec`: no match array and captures on every request. The parts are where the pattern
  // puts them: the environment at 3, the instance from 8 to the next `_` (it has none), then the tail.
  if (!keyPattern.test(key)) {
    return { ok: false, hint: phrase(key.startsWith('pt_') ? 'keyMangled' : 'notOurKey') };
  }
  const environment = key.startsWith('pt_live_') ? 'live' : 'test';
  const instanceEnd = key.indexOf('_', 8);
  const tail = instanceEnd + 1;
  const tailLengthSeen = key.length - tail;
  if (tailLengthSeen !== tailLength) return { ok: false, hint: phrase(tailLengthSeen < tailLength ? 'keyCutShort' : 'keyTooLong') };
  const checksumAt = key.length - checksumLength;
  // The checksum read back as a number (the pattern made every character base62), not the CRC written out.
  if (fromBase62(key, checksumAt, key.length) !== crc32(key.slice(0, checksumAt))) {
    return { ok: false, hint: phrase('checksumMismatch') };
  }
  return { ok: true, id: key.slice(tail, tail + idLength), environment, instance: key.slice(8, instanceEnd) };
}

/** The public part shown in listings: prefix and id, never the secret. */
export function displayKey(scope: KeyScope, id: string): string {
  return `pt_${scope.environment}_${scope.instance}_${id}…`;
}

function checksumOf(body: string): string {
  return toBase62(crc32(body), checksumLength);
}
