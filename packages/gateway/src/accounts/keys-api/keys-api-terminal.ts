import type { PortierConfig, AuthConfig, KeysApiConfig } from '../../config/config-types.js';
import { AccountAdmin, type KeyView } from '../../admin/account-admin.js';
import { PortierError, portierError } from '../../errors/portier-error.js';
import type { ApiKey } from '../store/account-store.js';
import type { Decision, Terminal } from '../../pipeline/policy.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import { sendJson } from '../../pipeline/send-json.js';
import { readRequestBody } from '../../policies/request-body/read-request-body.js';
import { parseJsonText } from '../../policies/request-validation/parse-json-text.js';
import { renderJsonTemplate } from '../../templates/json-template.js';
import type { KeyDirectory } from '../key-directory.js';
import { isMadeSinceRotation, isWithinKey, keyUsableUntil } from './is-within-key.js';
import { keysApiMaxBodyBytes } from '../../routes/built-in-routes.js';

const maxNameLength = 100;

export interface KeysApiDependencies {
  readonly config: PortierConfig & { readonly auth: AuthConfig };
  readonly keysApi: KeysApiConfig;
  readonly directory: KeyDirectory;
}

/**
 * Self-service keys (`auth.keysApi`): a key holder lists, creates and revokes the keys of its own
 * account, as Codat's `/apiKeys` does. A new key gets the caller's scopes and bindings, and expires
 * when the caller stops working (its expiry, or the end of its grace period once rotated), so a key can
 * never make a stronger or longer-lived one; the account's key limit applies (409 `key_limit_reached`).
 * A caller sees and revokes only keys that reach no further than itself (`isWithinKey`); any other key,
 * like another account's, is "not found", as is, for a rotated caller, the key that replaced it and any
 * key made since (`isMadeSinceRotation`). Each change is audited with the calling key as the actor.
 */
export function createKeysApiTerminal(dependencies: KeysApiDependencies): Terminal {
  const { config, keysApi, directory } = dependencies;
  const correlationHeader = config.correlation.header;
  const adminFor = (ctx: RequestContext): AccountAdmin =>
    new AccountAdmin(directory.store, config, `key:${caller(ctx).key.id}`, () => directory.invalidate());
  const render = (key: KeyView, secret?: string): Record<string, unknown> => renderJsonTemplate(keysApi.key, (name) => fieldOf(key, name, secret));

  async function list(ctx: RequestContext): Promise<Decision> {
    const { key: self, account } = caller(ctx);
    const keys = await visibleKeys(adminFor(ctx), account.id, self);
    const rendered = keys.map((key) => render(key));
    sendJson(ctx, 200, JSON.stringify(renderJsonTemplate(keysApi.list, (name) => (name === 'keys' ? rendered : null))), correlationHeader);
    return undefined;
  }

  async function create(ctx: RequestContext): Promise<Decision> {
    const unread = await readRequestBody(ctx, keysApiMaxBodyBytes);
    if (unread !== undefined) return unread;
    const body = ctx.body === undefined || ctx.body.length === 0 ? { value: {} } : parseJsonText(ctx.body, 8);
    if (!('value' in body)) return body;
    const name = nameOf(body.value);
    if (typeof name !== 'string') return name;
    const { key: issuer, account } = caller(ctx);
    const until = keyUsableUntil(issuer);
    const issued = await adminFor(ctx).createKey({
      accountId: account.id,
      name,
      scopes: issuer.scopes,
      bindings: issuer.bindings,
      ...(until === undefined ? {} : { expiresAt: until }),
    });
    sendJson(ctx, 201, JSON.stringify(render(issued.key, issued.secret)), correlationHeader);
    return undefined;
  }

  /** The key named in the path, when the caller may see it; otherwise the 404 every unseen key gets. */
  async function reachableKey(ctx: RequestContext): Promise<ApiKey | PortierError> {
    const keyId = ctx.params['keyId'] ?? '';
    const owned = await directory.store.getKey(keyId);
    const { key: self, account } = caller(ctx);
    if (owned === undefined || owned.accountId !== account.id || owned.status === 'revoked' || !isWithinKey(owned, self) || isMadeSinceRotation(owned, self)) {
      return portierError('key_not_found', { keyId });
    }
    return owned;
  }

  async function revoke(ctx: RequestContext): Promise<Decision> {
    const owned = await reachableKey(ctx);
    if (owned instanceof PortierError) return owned;
    const keyId = owned.id;
    await adminFor(ctx).revokeKey(keyId);
    ctx.res.writeHead(204, [correlationHeader, ctx.correlationId, ...ctx.responseHeaders]);
    ctx.res.end();
    return undefined;
  }

  /**
   * A replacement with the same name, scopes, bindings and expiry, the old key kept for the grace
   * period. The caller gets the new secret, so the key must end no later than the caller does (a key
   * cannot obtain a longer-lived one this way), and a caller in its own grace period rotates nothing.
   */
  async function rotate(ctx: RequestContext): Promise<Decision> {
    const owned = await reachableKey(ctx);
    if (owned instanceof PortierError) return owned;
    const { key: self } = caller(ctx);
    if (self.rotatedAt !== undefined || !endsNoLaterThan(owned, self)) return portierError('key_rotation_refused', { keyId: owned.id });
    const issued = await adminFor(ctx).rotateKey(owned.id);
    sendJson(ctx, 201, JSON.stringify(render(issued.key, issued.secret)), correlationHeader);
    return undefined;
  }

  return {
    name: 'keys-api',
    handle(ctx: RequestContext): Promise<Decision> {
      // The store refuses with catalog errors (409 key_limit_reached); the pipeline answers them.
      if (ctx.req.method === 'POST') return ctx.params['keyId'] === undefined ? create(ctx) : rotate(ctx);
      return ctx.req.method === 'DELETE' ? revoke(ctx) : list(ctx);
    },
  };
}

/**
 * The account's keys `self` may see: not revoked, reaching no further than itself, and, once it is
 * rotated, none made since. The keys API's list and the portal's both show exactly these.
 */
export async function visibleKeys(admin: AccountAdmin, accountId: string, self: ApiKey): Promise<KeyView[]> {
  return (await admin.listKeys(accountId)).filter(
    (key) => key.status !== 'revoked' && isWithinKey(key, self) && !isMadeSinceRotation({ id: key.id, createdAt: Date.parse(key.createdAt) }, self),
  );
}

/** Whether `key` stops working no later than `caller` (a caller that never stops outlasts every key). */
function endsNoLaterThan(key: ApiKey, caller: ApiKey): boolean {
  const callerEnd = keyUsableUntil(caller);
  if (callerEnd === undefined) return true;
  const keyEnd = keyUsableUntil(key);
  return keyEnd !== undefined && keyEnd <= callerEnd;
}

function caller(ctx: RequestContext): NonNullable<RequestContext['auth']> {
  if (ctx.auth === undefined) throw new Error('the keys API runs after api-key-auth');
  return ctx.auth;
}

/** The new key's name from `{"name": ...}`: a short string, or "API key" when none is given. */
function nameOf(body: unknown): string | PortierError {
  const given = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)['name'] : undefined;
  if (given === undefined || given === null) return 'API key';
  if (typeof given === 'string' && given.trim() !== '' && given.length <= maxNameLength) return given.trim();
  const message = `name must be a non-empty string of at most ${maxNameLength} characters`;
  return portierError('validation_failed', { count: 1 }, { items: [{ pointer: '/name', message, rule: 'name' }] });
}

function fieldOf(key: KeyView, name: string, secret: string | undefined): unknown {
  switch (name) {
    case 'secret':
      return secret ?? null;
    case 'id':
    case 'name':
    case 'display':
    case 'scopes':
    case 'bindings':
    case 'status':
    case 'createdAt':
    case 'lastUsedAt':
    case 'expiresAt':
      return key[name];
    default:
      return null;
  }
}
