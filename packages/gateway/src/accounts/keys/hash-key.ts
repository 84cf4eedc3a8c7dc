import { hash, timingSafeEqual } from 'node:crypto';

/**
 * SHA-256 of a key. Keys carry 142 random bits, so a fast hash is enough: there is nothing to
 * brute-force that a slow hash would protect (unlike passwords). The one-shot `crypto.hash` costs a
 * third less than createHash on this path (bench/micro-auth.ts).
 */
export function hashKey(key: string): Buffer {
  return hash('sha256', key, 'buffer');
}

/** Compares a presented key with a stored hash in constant time. */
export function keyMatchesHash(key: string, storedHash: Buffer): boolean {
  const presented = hashKey(key);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}
