import type { Gateway, PortierConfig } from 'portier';
import { startSeatableBackend, type SeatableBackend } from './backend.js';
import { printGuide, runIfMain, startExample, type ExampleOptions } from '../shared/start-example.js';

/** The base every example key is bound to (SeaTable's dtable_uuid). */
export const demoBaseUuid = '5d2a3c9e-8f41-4b7a-9c1e-2f6b8d0a7e11';

export interface SeatableExample {
  readonly backend: SeatableBackend;
  readonly gateway: Gateway;
  readonly url: string;
  readonly config: PortierConfig;
  /** Issues an API-Token bound to one base, as SeaTable does (shown once). */
  issueApiToken(name: string, base?: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts the backend and Portier in front of it with examples/seatable/portier.yaml. */
export async function startSeatableExample(options: ExampleOptions = {}): Promise<SeatableExample> {
  const backend = await startSeatableBackend();
  const running = await startExample({
    moduleUrl: import.meta.url,
    backend,
    backendUrlVar: 'SEATABLE_BACKEND_URL',
    ...options,
  });
  const account = await running.admin.createAccount('SeaTable example', 'free');
  return {
    ...running,
    backend,
    issueApiToken: async (name, base = demoBaseUuid) => (await running.admin.createKey({ accountId: account.id, name, bindings: [base] })).secret,
  };
}

/** `npm run example:seatable`: start it, issue a token, print the curl lines of the README. */
async function main(): Promise<SeatableExample> {
  const example = await startSeatableExample();
  const token = await example.issueApiToken('Demo app');
  const g = example.url;
  const api = `${g}/api-gateway/api/v2/dtables/${demoBaseUuid}`;
  printGuide([
    '',
    `SeaTable example: Portier at ${g}, backend at ${example.backend.url}.`,
    `API_TOKEN=${token}   # bound to base ${demoBaseUuid}, shown once`,
    '',
    '  # exchange the API-Token for a 3-day Base-Token (SeaTable\'s app-access-token answer)',
    `  curl -H "Authorization: Token $API_TOKEN" ${g}/api/v2.1/dtable/app-access-token/`,
    '  # then, with BASE_TOKEN=<access_token>: list rows, with x-ratelimit-* headers',
    `  curl -i -H "Authorization: Token $BASE_TOKEN" "${api}/rows/?table_name=Contacts"`,
    '  # 401 authentication_required, then 401 invalid token',
    `  curl -i "${api}/rows/?table_name=Contacts"`,
    `  curl -i -H "Authorization: Token nope" "${api}/rows/?table_name=Contacts"`,
  ]);
  return example;
}

runIfMain(import.meta.url, main);
