import { createHmac, timingSafeEqual } from 'node:crypto';

/** What an access token says: which key it stands for, and until when. */
export interface AccessTokenClaims {
  /** Key id. */
  readonly sub: string;
  /** Account id. */
  readonly acc: string;
  /** Issuing instance. */
  readonly iss: string;
  /** Issued at, epoch seconds. */
  readonly iat: number;
  /** Expires at, epoch seconds. */
  readonly exp: number;
}

export type TokenCheck =
  | { readonly ok: true; readonly claims: AccessTokenClaims }
  | { readonly ok: false; readonly reason: 'malformed' | 'signature' | 'expired'; readonly expiredAt?: number };

const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
const tokenShape = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** True when a credential has the shape of a JWT rather than of an API key. */
export function looksLikeToken(value: string): boolean {
  return tokenShape.test(value);
}

/** Signs claims as an HS256 JWT. */
export function signAccessToken(claims: AccessTokenClaims, secret: string): string {
  const body = `${header}.${base64url(JSON.stringify(claims))}`;
  return `${body}.${sign(body, secret)}`;
}

/** Checks signature (constant time), issuer and expiry; needs no store. */
export function verifyAccessToken(token: string, secret: string, instance: string, nowMs: number): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== header) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(sign(`${parts[0]}.${parts[1]}`, secret));
  const presented = Buffer.from(parts[2] as string);
  if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) return { ok: false, reason: 'signature' };
  let claims: AccessTokenClaims;
  try {
    claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as AccessTokenClaims;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number' || claims.iss !== instance) return { ok: false, reason: 'malformed' };
  if (nowMs >= claims.exp * 1000) return { ok: false, reason: 'expired', expiredAt: claims.exp * 1000 };
  return { ok: true, claims };
}

function sign(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
