// The key check a team writes by hand: SHA-256 of the presented Bearer key, looked up in a Map of the
// hashed keys (the plaintext is not kept), 401 JSON on a miss.
import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type KeyCheck = (authorization: string | undefined) => string | undefined;

/** Reads one key a line; returns a check that gives the key's hash (the limiters' key) or undefined. */
export function loadHashedKeys(keysFile: string): KeyCheck {
  const accounts = new Map<string, string>();
  readFileSync(keysFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .forEach((key, index) => accounts.set(hash('sha256', key, 'base64url'), `acct_${Math.floor(index / 100)}`));
  return (authorization) => {
    if (authorization?.startsWith('Bearer ') !== true) return undefined;
    const digest = hash('sha256', authorization.slice(7), 'base64url');
    return accounts.has(digest) ? digest : undefined;
  };
}

export const unauthorized = { error: 'unauthorized', message: 'a valid API key is required' };
