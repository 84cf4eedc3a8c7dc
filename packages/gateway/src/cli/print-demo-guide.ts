import type { DemoCredentials } from '../demo/seed-demo-account.js';
import { anonymousSteps, keyedSteps, renderSteps } from '../demo/demo-guide-steps.js';

/** What `npm start` prints: where the gateway is and a few requests that show what it does. */
export function printDemoGuide(gatewayUrl: string, backendUrl: string, keys: DemoCredentials, configFile: string, dbFile: string): void {
  const lines = [
    '',
    `Portier is running at ${gatewayUrl} (demo backend at ${backendUrl}).`,
    'Try these (add -i to see X-Correlation-ID and the other headers):',
    '',
    ...renderSteps(anonymousSteps(gatewayUrl)),
    '',
    `API keys: account ${keys.accountId} (plan free) has two keys, shown once:`,
    `  KEY_B1=${keys.readKey}   # rows:read, base b1 only`,
    `  KEY_B2=${keys.otherBaseKey}   # rows:read and rows:write, base b2 only`,
    '',
    ...renderSteps(keyedSteps(gatewayUrl, keys.unknownKey, keys.otherInstanceKey)),
    '',
    'Manage accounts and keys while it runs (changes apply within half a second):',
    `  PORTIER_DEMO_DB=${dbFile} DEMO_UPSTREAM_URL=${backendUrl} npx portier keys list --config ${configFile} --account ${keys.accountId}`,
    '',
    'Stop with Ctrl-C (a graceful shutdown).',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}
