import { Type } from '@sinclair/typebox';
import { JsonObject } from '../../config/schema-builders.js';
import { scopePattern } from '../../config/schema-constants.js';

/** `auth.keysApi`: self-service keys. */
export const keysApiSchema = Type.Object(
  {
    path: Type.String({ pattern: '^/[^\\s?#:*]*$', description: 'Path of the keys collection (route ids `api-keys`, `api-key` and `api-key-rotate`).' }),
    scopes: Type.Array(Type.String({ pattern: scopePattern, description: 'A scope such as `keys:manage`.' }), {
      uniqueItems: true,
      default: [],
      description: 'Scopes the calling key must have to manage keys.',
    }),
    /** Body of one key (create answer, list items). */
    key: JsonObject({
      description:
        'JSON body of one key (the create answer and each listed key), as a template: id, name, display, secret (the whole key, only when it is created), scopes, bindings, status, createdAt, lastUsedAt, expiresAt. `{secret?}` leaves the member out when there is none.',
      default: { id: '{id}', name: '{name}', key: '{secret?}', display: '{display}', scopes: '{scopes}', bindings: '{bindings}', status: '{status}', createdAt: '{createdAt}', lastUsedAt: '{lastUsedAt}', expiresAt: '{expiresAt}' },
    }),
    /** Body of the list answer; `{keys}` is the array of keys. */
    list: JsonObject({ description: 'JSON body of the list answer; `{keys}` is the array of keys.', default: { data: '{keys}' } }),
  },
  {
    description:
      'Self-service keys: key holders list (GET `path`), create (POST `path`, body `{"name"}`), revoke (DELETE `path/<key id>`) and rotate (POST `path/<key id>/rotate`, the old key kept for `rotationGraceSeconds`) the keys of their own account. A caller sees and revokes only keys that reach no further than itself (scopes among its own; when it is bound, bindings among its own), any other is 404 `key_not_found`. A key rotates only keys that stop working no later than itself, and none while it is itself in its grace period (403 `key_rotation_refused`). A new key gets the calling key\'s scopes and bindings and expires when the caller stops working (its expiry, or the end of its rotation grace); `maxKeysPerAccount` applies (409 `key_limit_reached`).',
    additionalProperties: false,
  },
);
