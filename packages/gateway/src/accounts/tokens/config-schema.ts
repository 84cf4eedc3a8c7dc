import { Type } from '@sinclair/typebox';
import { JsonObject } from '../../config/schema-builders.js';
import { pathPattern } from '../../config/schema-constants.js';

/** `auth.accessTokens`: short-lived tokens exchanged for an API key. */
export const accessTokensSchema = Type.Object(
  {
    path: Type.String({ pattern: pathPattern, description: 'Path of the exchange route (route id `access-token`).' }),
    secret: Type.String({
      minLength: 32,
      description: 'HMAC secret that signs tokens (at least 32 characters): use `${PORTIER_TOKEN_SECRET}`. Changing it voids every token.',
    }),
    ttlSeconds: Type.Integer({ minimum: 60, maximum: 31536000, default: 259200, description: 'Token lifetime (default 3 days).' }),
    response: JsonObject({
      description:
        'JSON body of the exchange answer, as a template: strings (nested too) may name {token}, {expiresAt}, {keyId}, {keyName}, {accountId}, {binding} (the key\'s first resource binding); other values are sent as they are.',
      default: { access_token: '{token}', expires_at: '{expiresAt}' },
    }),
  },
  {
    description:
      'Short-lived access tokens: a GET on `path` with an API key returns a signed token (HS256 JWT) bound to the key, accepted wherever the key is, until it expires.',
    additionalProperties: false,
  },
);
