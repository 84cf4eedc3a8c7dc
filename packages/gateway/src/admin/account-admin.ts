import type { AuthConfig, PortierConfig } from '../config/config-types.js';
import { portierError } from '../errors/portier-error.js';
import { displayKey } from '../accounts/keys/key-format.js';
import type { Account, AccountStatus, AccountStore, ApiKey, AuditEntry, KeyPolicy } from '../accounts/store/account-store.js';

/** A key as shown to operators: never its hash or secret. */
export interface KeyView {
  readonly id: string;
  readonly display: string;
  readonly accountId: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly bindings: readonly string[];
  readonly status: 'active' | 'revoked' | 'rotated';
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly expiresAt: string | null;
  readonly graceUntil: string | null;
  readonly replacedBy: string | null;
}

export interface NewKeyRequest {
  readonly accountId: string;
  readonly name: string;
  readonly scopes?: readonly string[];
  readonly bindings?: readonly string[];
  readonly expiresAt?: number;
}

/**
 * Account and key administration, shared by the CLI and the admin API: checks requests against the
 * config (plans exist, key limits) and shapes what operators see. `actor` goes to the audit trail.
 */
export class AccountAdmin {
  private readonly auth: AuthConfig;

  constructor(
    private readonly store: AccountStore,
    private readonly config: PortierConfig & { readonly auth: AuthConfig },
    private readonly actor: string,
    /** Called after every write: the gateway empties its key cache here. */
    private readonly onChange: () => void = () => undefined,
  ) {
    this.auth = config.auth;
  }

  createAccount(name: string, plan: string): Promise<Account> {
    this.requirePlan(plan);
    return this.changed(this.store.createAccount({ name, plan }, this.actor));
  }

  listAccounts(): Promise<Account[]> {
    return this.store.listAccounts();
  }

  async showAccount(id: string): Promise<{ account: Account; keys: KeyView[]; entities: Readonly<Record<string, number>> }> {
    const account = await this.store.getAccount(id);
    if (account === undefined) throw portierError('account_not_found', { accountId: id });
    const keys = (await this.store.listKeys(id)).map((key) => this.view(key));
    return { account, keys, entities: await this.store.entityCounts(id) };
  }

  /** Sets an entity count by hand, to reconcile with what the backend really holds. */
  async setEntityCount(id: string, entity: string, count: number): Promise<Readonly<Record<string, number>>> {
    await this.changed(this.store.setEntityCount(id, entity, count, this.actor));
    return this.store.entityCounts(id);
  }

  setStatus(id: string, status: AccountStatus): Promise<Account> {
    return this.changed(this.store.updateAccount(id, { status }, this.actor));
  }

  setPlan(id: string, plan: string): Promise<Account> {
    this.requirePlan(plan);
    return this.changed(this.store.updateAccount(id, { plan }, this.actor));
  }

  async createKey(request: NewKeyRequest): Promise<{ key: KeyView; secret: string }> {
    const issued = await this.changed(this.store.createKey(
      {
        accountId: request.accountId,
        name: request.name,
        scopes: request.scopes ?? [],
        bindings: request.bindings ?? [],
        expiresAt: request.expiresAt,
      },
      this.keyPolicy(),
      this.actor,
    ));
    return { key: this.view(issued.key), secret: issued.secret };
  }

  async listKeys(accountId: string): Promise<KeyView[]> {
    return (await this.store.listKeys(accountId)).map((key) => this.view(key));
  }

  async revokeKey(id: string): Promise<KeyView> {
    return this.view(await this.changed(this.store.revokeKey(id, this.actor)));
  }

  async rotateKey(id: string): Promise<{ key: KeyView; secret: string }> {
    const issued = await this.changed(this.store.rotateKey(id, this.keyPolicy(), this.actor));
    return { key: this.view(issued.key), secret: issued.secret };
  }

  listAudit(limit: number): Promise<AuditEntry[]> {
    return this.store.listAudit(limit);
  }

  private async changed<T>(write: Promise<T>): Promise<T> {
    const result = await write;
    this.onChange();
    return result;
  }

  private keyPolicy(): KeyPolicy {
    return {
      instance: this.auth.instance,
      environment: this.auth.environment,
      maxKeysPerAccount: this.auth.maxKeysPerAccount,
      rotationGraceMs: this.auth.rotationGraceSeconds * 1000,
    };
  }

  private requirePlan(plan: string): void {
    if (!(plan in this.config.plans)) throw portierError('plan_not_found', { plan });
  }

  private view(key: ApiKey): KeyView {
    return {
      id: key.id,
      display: displayKey(this.auth, key.id),
      accountId: key.accountId,
      name: key.name,
      scopes: key.scopes,
      bindings: key.bindings,
      status: key.status === 'revoked' ? 'revoked' : key.rotatedAt !== undefined ? 'rotated' : 'active',
      createdAt: iso(key.createdAt),
      lastUsedAt: key.lastUsedAt === undefined ? null : iso(key.lastUsedAt),
      expiresAt: key.expiresAt === undefined ? null : iso(key.expiresAt),
      graceUntil: key.graceUntil === undefined ? null : iso(key.graceUntil),
      replacedBy: key.replacedBy ?? null,
    };
  }
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
