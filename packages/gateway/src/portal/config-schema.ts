import { Type } from '@sinclair/typebox';

/** `/` or segments without a trailing slash: the page is at `path/`, so `/portal/` would put it at `/portal//`. */
const portalPathPattern = '^/(?:[^\\s?#/]+(?:/[^\\s?#/]+)*)?$';

/** `portal`: the key holders' portal on the public listener. */
export const portalSchema = Type.Object(
  {
    path: Type.String({
      pattern: portalPathPattern,
      description:
        'Where the portal is served (route ids `portal-*`), `/` or a path without a trailing slash: the page at `path/`, its files at `path/<file>`, its JSON at `path/api/...`. `path` itself redirects to `path/`.',
    }),
    sessionSeconds: Type.Integer({
      minimum: 60,
      maximum: 86400,
      default: 900,
      description:
        'Lifetime of a portal sign-in: the access token the page gets for the key (kept in the tab\'s sessionStorage only). It never outlives the key, nor `auth.accessTokens.ttlSeconds`.',
    }),
    recentErrors: Type.Integer({ minimum: 1, maximum: 200, default: 20, description: 'How many of the account\'s latest error answers the portal lists.' }),
  },
  {
    description:
      'The key holders\' portal: a key holder signs in with an API key and sees the account\'s plan, how much of each limit window is used, its keys (create, revoke, rotate, as the keys API allows that key), its recent errors with correlation IDs, and writes a support report. Needs `auth.accessTokens` (a sign-in is an access token); key changes need `auth.keysApi`.',
    additionalProperties: false,
  },
);
