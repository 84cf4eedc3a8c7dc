import type { AccountAdmin } from 'portier';
import { demoCampaign, startBrazeBackend } from './backend.js';
import { printGuide, runIfMain, startExample, type ExampleOptions, type RunningExample } from '../shared/start-example.js';

export const allScopes = ['users.track', 'users.delete', 'messages.send', 'sends.id.create'];

export interface BrazeExample extends RunningExample {
  /** Creates an account on `plan` and a REST API key with `scopes`; returns the key (shown once). */
  issueKey(options?: { plan?: string; scopes?: string[] }): Promise<string>;
  readonly admin: AccountAdmin;
}

/** Starts the backend and Portier in front of it with examples/braze/portier.yaml. */
export async function startBrazeExample(options: ExampleOptions = {}): Promise<BrazeExample> {
  const running = await startExample({
    moduleUrl: import.meta.url,
    backend: await startBrazeBackend(),
    backendUrlVar: 'BRAZE_BACKEND_URL',
    ...options,
  });
  return {
    ...running,
    issueKey: async ({ plan = 'standard', scopes = allScopes } = {}) => {
      const account = await running.admin.createAccount(`braze-${plan}`, plan);
      return (await running.admin.createKey({ accountId: account.id, name: 'REST API key', scopes })).secret;
    },
  };
}

/** `npm run example:braze`: start it, issue a key, print a few curl lines. */
async function main(): Promise<BrazeExample> {
  const example = await startBrazeExample();
  const key = await example.issueKey();
  const g = example.url;
  printGuide([
    '',
    `Braze example: Portier at ${g} (instance fra-01).`,
    `BRAZE_KEY=${key}   # every scope, shown once`,
    '',
    `  curl -i -H "Authorization: Bearer $BRAZE_KEY" -H 'content-type: application/json' --data '{"attributes":[{"external_id":"u1"},{"email":"x@y"}]}' ${g}/users/track`,
    `  curl -H "Authorization: Bearer $BRAZE_KEY" -H 'content-type: application/json' --data '{"segment_id":"s1","messages":{"apple_push":{"alert":"hi"}}}' ${g}/messages/send`,
    `  curl -H "Authorization: Bearer $BRAZE_KEY" -H 'content-type: application/json' --data '{"campaign_id":"${demoCampaign.id}"}' ${g}/sends/id/create`,
  ]);
  return example;
}

runIfMain(import.meta.url, main);
