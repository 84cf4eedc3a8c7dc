import type { AccountAdmin } from 'portier';
import { startCodatBackend } from './backend.js';
import { printGuide, runIfMain, startExample, type ExampleOptions, type RunningExample } from '../shared/start-example.js';

export const allScopes = ['webhooks:read'];

export interface IssuedCodatKey {
  readonly accountId: string;
  readonly keyId: string;
  /** The API key itself (shown once). */
  readonly secret: string;
  /** `Basic <base64 of the key>`, as Codat's clients send it. */
  readonly authorization: string;
}

export interface CodatExample extends RunningExample {
  /** Creates an account on `plan` and an API key; returns the key (shown once). */
  issueKey(options?: { plan?: string; scopes?: string[]; bindings?: string[] }): Promise<IssuedCodatKey>;
  /** Another key of an existing account. */
  addKey(accountId: string, options?: { scopes?: string[]; bindings?: string[] }): Promise<IssuedCodatKey>;
  /** Pushes the backend applied (each operation once, whatever the retries). */
  pushesApplied(): number;
  readonly admin: AccountAdmin;
}

export const basicAuthorization = (secret: string): string => `Basic ${Buffer.from(secret).toString('base64')}`;

/** Starts the backend and Portier in front of it with examples/codat/portier.yaml. */
export async function startCodatExample(options: ExampleOptions = {}): Promise<CodatExample> {
  const backend = await startCodatBackend();
  const running = await startExample({
    moduleUrl: import.meta.url,
    backend,
    backendUrlVar: 'CODAT_BACKEND_URL',
    ...options,
  });
  const addKey = async (accountId: string, { scopes = allScopes, bindings = [] }: { scopes?: string[]; bindings?: string[] } = {}): Promise<IssuedCodatKey> => {
    const { key, secret } = await running.admin.createKey({ accountId, name: 'API key', scopes, bindings });
    return { accountId, keyId: key.id, secret, authorization: basicAuthorization(secret) };
  };
  return {
    ...running,
    addKey,
    pushesApplied: () => backend.pushesApplied(),
    issueKey: async ({ plan = 'free', scopes, bindings } = {}) => {
      const account = await running.admin.createAccount(`codat-${plan}`, plan);
      return addKey(account.id, { ...(scopes === undefined ? {} : { scopes }), ...(bindings === undefined ? {} : { bindings }) });
    },
  };
}

/** `npm run example:codat`: start it, issue a key, print a few curl lines. */
async function main(): Promise<CodatExample> {
  const example = await startCodatExample();
  const key = await example.issueKey();
  const g = example.url;
  printGuide([
    '',
    `Codat example: Portier at ${g} (free plan: 50 companies, daily syncs, 365-day trial).`,
    `Admin API at ${example.gateway.adminUrl ?? '(off)'} (token: $PORTIER_ADMIN_TOKEN, or the example's default in portier.yaml).`,
    `ACCOUNT=${key.accountId}   KEY_ID=${key.keyId}`,
    `CODAT_AUTH='${key.authorization}'   # the API key ${key.secret}, Base64-encoded; shown once`,
    '',
    `  curl -i -H "Authorization: $CODAT_AUTH" -H 'content-type: application/json' --data '{"name":"Acme"}' ${g}/companies`,
    `  curl -i -H "Authorization: $CODAT_AUTH" ${g}/companies`,
    `  curl -i -H "Authorization: $CODAT_AUTH" -H 'content-type: application/json' --data '{"name":"ci"}' ${g}/apiKeys`,
    '',
    'examples/codat/README.md walks through every error of the seed.',
  ]);
  return example;
}

runIfMain(import.meta.url, main);
