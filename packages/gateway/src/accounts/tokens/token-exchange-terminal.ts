import type { Clock } from '../../clock.js';
import type { KeyEntry } from '../key-directory.js';
import type { AuthConfig } from '../../config/config-types.js';
import type { Decision, Terminal } from '../../pipeline/policy.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import { signAccessToken } from './access-token.js';
import { keyUsableUntil } from '../keys-api/is-within-key.js';
import { renderJsonTemplate } from '../../templates/json-template.js';
import type { accessTokenFields } from '../../templates/template-fields.js';
import { sendJson } from '../../pipeline/send-json.js';

type Tokens = NonNullable<AuthConfig['accessTokens']>;

/**
 * A signed access token for `entry`'s key, living `ttlSeconds` at most. A token never outlives its key:
 * an expiring or rotated key gets a token that ends with it. The exchange route and the portal's
 * sign-in both issue theirs here.
 */
export function issueAccessToken(entry: KeyEntry, auth: AuthConfig, tokens: Tokens, now: number, ttlSeconds: number): { readonly token: string; readonly exp: number } {
  const until = keyUsableUntil(entry.key);
  const exp = Math.min(Math.floor(now / 1000) + ttlSeconds, until === undefined ? Infinity : Math.floor(until / 1000));
  const token = signAccessToken({ sub: entry.key.id, acc: entry.account.id, iss: auth.instance, iat: Math.floor(now / 1000), exp }, tokens.secret);
  return { token, exp };
}

/**
 * Answers the exchange route: a signed access token for the authenticated key, in the body shape the
 * config gives (SeaTable's app-access-token answer, for example).
 */
export function createTokenExchangeTerminal(auth: AuthConfig, tokens: Tokens, clock: Clock, correlationHeader: string): Terminal {
  return {
    name: 'access-token',
    handle: function exchangeKeyForToken(ctx: RequestContext): Promise<Decision> {
      const entry = ctx.auth;
      if (entry === undefined) throw new Error('the exchange route runs after api-key-auth');
      const { token, exp } = issueAccessToken(entry, auth, tokens, clock.now(), tokens.ttlSeconds);
      const values: Record<(typeof accessTokenFields)[number], string> = {
        token,
        expiresAt: new Date(exp * 1000).toISOString(),
        keyId: entry.key.id,
        keyName: entry.key.name,
        accountId: entry.account.id,
        binding: entry.key.bindings[0] ?? '',
      };
      sendJson(ctx, 200, JSON.stringify(renderJsonTemplate(tokens.response, (name) => (values as Readonly<Record<string, string>>)[name])), correlationHeader);
      return Promise.resolve(undefined);
    },
  };
}
