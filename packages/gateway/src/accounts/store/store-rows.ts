import type { Account, AccountStatus, ApiKey } from './account-store.js';

/** An `accounts` row, as both SQL stores keep it (times in epoch ms). */
export interface AccountRow {
  id: string;
  name: string;
  plan: string;
  status: AccountStatus;
  created_at: number;
  plan_since: number;
}

/** An `api_keys` row; `List` is how the store keeps scopes and bindings (JSON text or a JSON array). */
export interface KeyRow<List = readonly string[]> {
  id: string;
  account_id: string;
  name: string;
  scopes: List;
  bindings: List;
  hash: Buffer;
  status: 'active' | 'revoked';
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  revoked_at: number | null;
  rotated_at: number | null;
  grace_until: number | null;
  replaced_by: string | null;
}

export function toAccount(row: AccountRow): Account {
  return { id: row.id, name: row.name, plan: row.plan, status: row.status, createdAt: row.created_at, planSince: row.plan_since };
}

export function toKey(row: KeyRow): ApiKey {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    scopes: row.scopes,
    bindings: row.bindings,
    hash: row.hash,
    status: row.status,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at ?? undefined,
    expiresAt: row.expires_at ?? undefined,
    revokedAt: row.revoked_at ?? undefined,
    rotatedAt: row.rotated_at ?? undefined,
    graceUntil: row.grace_until ?? undefined,
    replacedBy: row.replaced_by ?? undefined,
  };
}
