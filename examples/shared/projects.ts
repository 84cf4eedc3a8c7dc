import { randomUUID } from 'node:crypto';

/** One project of the example apps' small API. */
export interface Project {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

/**
 * The example apps' own data: projects per account, in memory. The app, not Portier, knows how many
 * an account may have: `create` says when the account is full, and the app throws the catalog's
 * `entity_limit_reached`, which Portier renders like its own errors.
 */
export class Projects {
  private readonly byAccount = new Map<string, Project[]>();

  constructor(readonly perAccount = 2) {}

  list(accountId: string): readonly Project[] {
    return this.byAccount.get(accountId) ?? [];
  }

  /** The new project, or undefined when the account already has `perAccount`. */
  create(accountId: string, name: string): Project | undefined {
    const owned = this.byAccount.get(accountId) ?? [];
    if (owned.length >= this.perAccount) return undefined;
    const project = { id: randomUUID(), name, createdAt: new Date().toISOString() };
    this.byAccount.set(accountId, [...owned, project]);
    return project;
  }
}
