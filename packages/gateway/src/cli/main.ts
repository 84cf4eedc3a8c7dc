#!/usr/bin/env node
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Command } from 'commander';
import { loadConfigFile } from '../config/load-config.js';
import type { AuthConfig, PortierConfig } from '../config/config-types.js';
import { seedDemoAccount } from '../demo/seed-demo-account.js';
import { startDemoBackend } from '../demo/demo-backend.js';
import { renderConfigDoc } from '../docs/render-config-doc.js';
import { renderErrorsDoc } from '../docs/render-errors-doc.js';
import { reportConfigProblems } from './report-config-problems.js';
import { runGateway } from './run-gateway.js';
import { printDemoGuide } from './print-demo-guide.js';
import { registerAdminCommands } from './admin-commands.js';
import { registerOperationCommands } from './operation-commands.js';

const configExitCode = 2;

function loadOrExit(file: string, json = false): PortierConfig {
  const result = loadConfigFile(file);
  if (!result.ok) {
    reportConfigProblems(file, result.problems, json);
    process.exit(configExitCode);
  }
  return result.config;
}

const program = new Command()
  .name('portier')
  .description('Portier: the API front door. Keys, limits, validation and catalogued errors in front of any HTTP backend.')
  .showHelpAfterError();

program
  .command('start')
  .description('start the gateway')
  .option('-c, --config <file>', 'configuration file', 'portier.yaml')
  .action(async (options: { config: string }) => {
    await runGateway(loadOrExit(options.config));
  });

program
  .command('demo')
  .description('start the bundled demo backend and a gateway in front of it (what `npm start` runs)')
  .action(async () => {
    const backend = await startDemoBackend();
    process.env['DEMO_UPSTREAM_URL'] = backend.url;
    // A throwaway database per run: the demo starts clean and leaves nothing in the working tree.
    const dataDir = mkdtempSync(join(tmpdir(), 'portier-demo-'));
    process.env['PORTIER_DEMO_DB'] ??= join(dataDir, 'portier-demo.db');
    const file = fileURLToPath(new URL('../../demo/portier.yaml', import.meta.url));
    const config = loadOrExit(file) as PortierConfig & { auth: AuthConfig };
    const credentials = await seedDemoAccount(config);
    const { url } = await runGateway(config, async () => {
      await backend.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    printDemoGuide(url, backend.url, credentials, file, process.env['PORTIER_DEMO_DB']);
  });

const config = program.command('config').description('work with configuration files');
config
  .command('check')
  .description('validate a configuration file without starting; exit status 2 when it has problems')
  .argument('<file>', 'configuration file')
  .option('--json', 'print problems as JSON')
  .action((file: string, options: { json?: boolean }) => {
    loadOrExit(file, options.json === true);
    process.stdout.write(options.json === true ? `${JSON.stringify({ ok: true, file })}\n` : `${file}: OK\n`);
  });

const docs = program.command('docs').description('generate reference documentation');
docs
  .command('errors')
  .description('print the error reference (Markdown)')
  .action(() => {
    process.stdout.write(renderErrorsDoc());
  });
docs
  .command('config')
  .description('print the configuration reference (Markdown)')
  .action(() => {
    process.stdout.write(renderConfigDoc());
  });
docs
  .command('write')
  .description('write docs/errors.md and docs/config.md')
  .option('--dir <dir>', 'output folder', 'docs')
  .action((options: { dir: string }) => {
    mkdirSync(options.dir, { recursive: true });
    writeFileSync(join(options.dir, 'errors.md'), renderErrorsDoc());
    writeFileSync(join(options.dir, 'config.md'), renderConfigDoc());
    process.stdout.write(`wrote ${join(options.dir, 'errors.md')} and ${join(options.dir, 'config.md')}\n`);
  });

registerAdminCommands(program, (file) => loadOrExit(file));
registerOperationCommands(program, (file) => loadOrExit(file));

await program.parseAsync(process.argv);
