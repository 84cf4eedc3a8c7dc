import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * SHA-256 of a key. Keys carry 142 random bits, so a fast hash is enough: there is nothing to
 * brute-force that a slow hash would protect (unlike passwords).
 */
export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** Compares a presented key with a stored hash in constant time. */
export function keyMatchesHash(key: string, storedHash: Buffer): boolean {
  const presented = hashKey(key);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}
