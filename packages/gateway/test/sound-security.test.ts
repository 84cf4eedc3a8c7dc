import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { signAccessToken, verifyAccessToken } from '../src/accounts/tokens/access-token.js';
import { parseConfig } from '../src/config-loader/load-config.js';
import { formatConfigProblem } from '../src/config/config-problem.js';

/** Promises of docs/security.md that hold by construction: pinned token algorithm, refused CORS wildcard. */
const secret = 's'.repeat(32);
const now = Date.UTC(2026, 0, 1);
const claims = { sub: 'k1', acc: 'acc_1', iss: 'eu1', iat: now / 1000, exp: now / 1000 + 60 };

function b64(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

function signedWith(header: unknown, payload: unknown): string {
  const body = `${b64(header)}.${b64(payload)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

describe('security promises that must stay true', () => {
  it('access-token: accepts its own token and refuses alg none, a reordered header and a swapped sub', () => {
    expect(verifyAccessToken(signAccessToken(claims, secret), secret, 'eu1', now).ok).toBe(true);
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    expect(verifyAccessToken(unsigned, secret, 'eu1', now)).toEqual({ ok: false, reason: 'malformed' });
    // Correctly signed with the secret, but not Portier's exact header: still refused.
    expect(verifyAccessToken(signedWith({ typ: 'JWT', alg: 'HS256' }, claims), secret, 'eu1', now)).toEqual({ ok: false, reason: 'malformed' });
    const [head, , signature] = signAccessToken(claims, secret).split('.') as [string, string, string];
    expect(verifyAccessToken(`${head}.${b64({ ...claims, sub: 'k2' })}.${signature}`, secret, 'eu1', now)).toEqual({ ok: false, reason: 'signature' });
  });

  it('config: refuses CORS credentials with the origin *', () => {
    const result = parseConfig('cors: { origins: ["*"], credentials: true }\nupstreams: { app: { url: "http://127.0.0.1:1" } }\nroutes: [{ id: a, path: /a, upstream: app }]\n', 'portier.yaml', {});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map(formatConfigProblem)).toEqual(['portier.yaml:1:38 cors.credentials: browsers refuse credentials with the origin `*`: list the origins']);
  });
});
