import type { Clock } from '../../clock.js';
import type { AuthConfig, RouteAuthConfig } from '../../config/config-types.js';
import { portierError } from '../../errors/portier-error.js';
import { phrase } from '../../errors/param-phrases.js';
import type { KeyDirectory, KeyEntry } from '../../accounts/key-directory.js';
import { keyMatchesHash } from '../../accounts/keys/hash-key.js';
import { parseKey } from '../../accounts/keys/key-format.js';
import { looksLikeToken, verifyAccessToken } from '../../accounts/tokens/access-token.js';
import type { Decision, Policy } from '../../pipeline/policy.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import { extractCredential, type CredentialRules } from './extract-credential.js';
import { tracedStoreCall } from '../../tracing/tracing.js';

export interface ApiKeyAuthDependencies {
  readonly auth: AuthConfig;
  readonly rules: CredentialRules;
  readonly directory: KeyDirectory;
  readonly clock: Clock;
}

/**
 * Finds and verifies the caller's key or access token: 401 `authentication_required` (none),
 * `credentials_malformed` (badly sent, with a hint), `wrong_instance`, `invalid_token` (unknown, or a
 * token with a bad signature), `key_expired`, `access_token_expired`. Revocation and permissions are
 * the access stage's (403), and apply to tokens too. A cached key costs no store access; a token's
 * signature and expiry need none at all.
 */
export function createApiKeyAuthPolicy(
  routeAuth: RouteAuthConfig,
  deps: ApiKeyAuthDependencies,
  options: { readonly acceptTokens: boolean },
): Policy {
  const { auth, rules, directory, clock } = deps;
  const expected = rules.expected;
  const tokens = options.acceptTokens ? auth.accessTokens : undefined;

  const lookupCall = { name: 'key lookup', system: auth.store.postgres === undefined ? 'sqlite' : 'postgresql', operation: 'SELECT' };
  /** A lookup the cache could not answer waits on the store: a span while tracing is on (never the key or its id). */
  const traced = (ctx: RequestContext, pending: Promise<KeyEntry | undefined>): Promise<KeyEntry | undefined> =>
    tracedStoreCall(ctx.trace, lookupCall, pending, (span, entry) => span.setAttribute('portier.key.found', entry !== undefined));
  function verify(ctx: RequestContext, presented: string, entry: KeyEntry | undefined): Decision {
    if (entry === undefined || !keyMatchesHash(presented, entry.key.hash)) return portierError('invalid_token', {});
    return admit(ctx, entry);
  }

  function admitToken(ctx: RequestContext, accountId: string, entry: KeyEntry | undefined): Decision {
    if (entry === undefined || entry.account.id !== accountId) return portierError('invalid_token', {});
    return admit(ctx, entry);
  }

  function admit(ctx: RequestContext, entry: KeyEntry): Decision {
    const { key, account } = entry;
    const expiresAt = key.expiresAt ?? Infinity;
    if (clock.now() >= expiresAt) {
      return portierError('key_expired', { expiredAt: new Date(expiresAt).toISOString() });
    }
    ctx.auth = entry;
    ctx.forwardHeaders.push('x-portier-account-id', account.id, 'x-portier-key-id', key.id);
    directory.noteUse(key.id);
    return undefined;
  }

  return {
    name: 'api-key-auth',
    handle: function authenticate(ctx: RequestContext): Decision | Promise<Decision> {
      const credential = extractCredential(ctx.req.headers, rules);
      if (credential.kind === 'none') return routeAuth.required ? portierError('authentication_required', { expected }) : undefined;
      if (credential.kind === 'malformed') return portierError('credentials_malformed', { hint: credential.hint, expected });
      if (tokens !== undefined && looksLikeToken(credential.value)) {
        const check = verifyAccessToken(credential.value, tokens.secret, auth.instance, clock.now());
        if (!check.ok) {
          if (check.reason === 'expired') return portierError('access_token_expired', { expiredAt: new Date(check.expiredAt ?? 0).toISOString() });
          return portierError('invalid_token', {});
        }
        const { sub, acc } = check.claims;
        const entry = directory.lookup(sub, ctx.req.socket.remoteAddress);
        if (entry instanceof Promise) return traced(ctx, entry).then((loaded) => admitToken(ctx, acc, loaded));
        return admitToken(ctx, acc, entry);
      }
      const parsed = parseKey(credential.value);
      if (!parsed.ok) return portierError('credentials_malformed', { hint: parsed.hint, expected });
      if (parsed.instance !== auth.instance) {
        const url = auth.instances[parsed.instance] ?? phrase('instanceAddress', { instance: parsed.instance });
        return portierError('wrong_instance', { instance: parsed.instance, url });
      }
      if (parsed.environment !== auth.environment) {
        const hint = phrase('wrongEnvironment', { environment: parsed.environment, accepted: auth.environment });
        return portierError('credentials_malformed', { hint, expected });
      }
      const entry = directory.lookup(parsed.id, ctx.req.socket.remoteAddress);
      if (entry instanceof Promise) return traced(ctx, entry).then((loaded) => verify(ctx, credential.value, loaded));
      return verify(ctx, credential.value, entry);
    },
  };
}
