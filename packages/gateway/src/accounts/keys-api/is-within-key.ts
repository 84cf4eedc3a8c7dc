/** What decides how far a key reaches: its scopes and its resource bindings (none: every resource). */
export interface KeyReach {
  readonly scopes: readonly string[];
  readonly bindings: readonly string[];
}

/**
 * Whether `key` reaches no further than `caller`: each of its scopes is one of the caller's, and when
 * the caller is bound to resources, the key is bound to some of those only. A narrow key thereby cannot
 * list or revoke a broader one (an unbound key reaches every resource, so it is broader than a bound one).
 */
export function isWithinKey(key: KeyReach, caller: KeyReach): boolean {
  if (!key.scopes.every((scope) => caller.scopes.includes(scope))) return false;
  if (caller.bindings.length === 0) return true;
  return key.bindings.length > 0 && key.bindings.every((binding) => caller.bindings.includes(binding));
}

/**
 * The latest moment a key stays usable (epoch ms): its expiry or, once rotated, the end of its grace
 * period, whichever comes first; undefined when it never stops. Nothing a key makes (a key, a token)
 * may outlive it.
 */
export function keyUsableUntil(key: { readonly expiresAt: number | undefined; readonly graceUntil: number | undefined }): number | undefined {
  const ends = [key.expiresAt, key.graceUntil].filter((end): end is number => end !== undefined);
  return ends.length === 0 ? undefined : Math.min(...ends);
}

/**
 * Whether `key` was made after `caller` was rotated: the key that replaced it, or any key made since. A
 * rotated key is being retired (it may be the leaked one), so during its grace period it neither sees
 * nor revokes them: it cannot take the account's new key away from its owner.
 */
export function isMadeSinceRotation(
  key: { readonly id: string; readonly createdAt: number },
  caller: { readonly id: string; readonly rotatedAt: number | undefined; readonly replacedBy: string | undefined },
): boolean {
  if (caller.rotatedAt === undefined || key.id === caller.id) return false;
  // The replacement is written a moment before the rotation time: named, not compared.
  return key.id === caller.replacedBy || key.createdAt >= caller.rotatedAt;
}
