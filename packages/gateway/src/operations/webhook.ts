import { createHmac } from 'node:crypto';
import { request } from 'undici';
import type { AsyncRouteConfig } from '../config/config-types.js';

/** The signature header of a webhook: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export function signWebhook(secret: string, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  const mac = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${mac}`;
}

/** Sends one webhook; true when the receiver answered 2xx. Never throws. */
export async function deliverWebhook(hook: NonNullable<AsyncRouteConfig['webhook']>, body: string, nowMs: number, timeoutMs: number): Promise<boolean> {
  try {
    const response = await request(hook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'portier-signature': signWebhook(hook.secret, body, nowMs) },
      body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    await response.body.dump();
    return response.statusCode >= 200 && response.statusCode < 300;
  } catch {
    return false;
  }
}
