#!/usr/bin/env node
import { configWarnings, formatConfigWarning } from '../config/config-warnings.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Command } from 'commander';
import { loadConfigFile } from '../config-loader/load-config.js';
import type { AuthConfig, PortierConfig } from '../config/config-types.js';
import { seedDemoAccount } from '../demo/seed-demo-account.js';
import { startDemoBackend } from '../demo/demo-backend.js';
import { renderConfigDoc } from '../docs/render-config-doc.js';
import { renderLifecycleDoc, withStageTable } from '../docs/render-lifecycle-doc.js';
import { renderErrorsDoc } from '../docs/render-errors-doc.js';
import { renderErrorsHtml } from '../docs/render-errors-html.js';
import { renderOpenApi } from '../docs/render-openapi.js';
import { renderClientCodes } from '../docs/render-client-codes.js';
import { stringify as stringifyYaml } from 'yaml';
import { referenceFiles } from '../docs/reference-files.js';
import { shippedLanguages } from '../errors/catalog.js';
import { defaultLocalizer } from '../errors/localizer.js';
import { localizerOf } from '../errors/localizer-of.js';
import { reportConfigProblems } from './report-config-problems.js';
import { runGateway } from './run-gateway.js';
import { reloadCommand } from './reload-command.js';
import { printDemoGuide } from './print-demo-guide.js';
import { registerAdminCommands } from './admin-commands.js';
import { registerOperationCommands } from './operation-commands.js';
import { registerTraceCommand } from './trace-command.js';
import { registerUsageCommands } from './usage-commands.js';

const configExitCode = 2;

function loadOrExit(file: string, json = false, fromConfigCheck = false): PortierConfig {
  const result = loadConfigFile(file);
  if (!result.ok) {
    reportConfigProblems(file, result.problems, json, fromConfigCheck);
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
  .option('--watch', 'reload the configuration when the file changes (as SIGHUP does)')
  .action(async (options: { config: string; watch?: boolean }) => {
    await runGateway(loadOrExit(options.config), undefined, { configFile: options.config, watch: options.watch === true });
  });

program
  .command('reload')
  .description("make the running gateway load its configuration file again (asks its admin API); exit status 2 when the file is refused")
  .option('-c, --config <file>', 'configuration file (for the admin API address and token)', 'portier.yaml')
  .option('--json', 'print the answer as JSON')
  .action(async (options: { config: string; json?: boolean }) => {
    await reloadCommand(loadOrExit(options.config, options.json === true), options.config, options.json === true);
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
    const warnings = configWarnings(loadOrExit(file, options.json === true, true));
    if (options.json === true) {
      process.stdout.write(`${JSON.stringify({ ok: true, file, warnings })}\n`);
      return;
    }
    for (const warning of warnings) process.stderr.write(`${formatConfigWarning(file, warning)}\n`);
    process.stdout.write(`${file}: OK\n`);
  });

const docs = program.command('docs').description('generate reference documentation');
docs
  .command('errors')
  .description('print the error reference in the seeds\' structure, in one language, as Markdown or HTML')
  .option('--lang <language>', `language (shipped: ${shippedLanguages.join(', ')}; others from the config's errors.texts)`, 'en')
  .option('--format <format>', 'md or html', 'md')
  .option('-c, --config <file>', 'take operator texts and languages from this configuration')
  .action((options: { lang: string; format: string; config?: string }) => {
    const localizer = options.config === undefined ? defaultLocalizer : localizerOf(loadOrExit(options.config));
    if (!localizer.languages.includes(options.lang) && !(shippedLanguages as readonly string[]).includes(options.lang)) {
      process.stderr.write(`--lang: "${options.lang}" is not offered (${localizer.languages.join(', ')})\n`);
      process.exit(2);
    }
    if (options.format !== 'md' && options.format !== 'html') {
      process.stderr.write(`--format: "${options.format}" is not md or html\n`);
      process.exit(2);
    }
    const languages = localizer.languages;
    process.stdout.write(
      options.format === 'md' ? renderErrorsDoc(options.lang, localizer) : renderErrorsHtml(options.lang, localizer, { basePath: '/docs/errors', languages }),
    );
  });
docs
  .command('openapi')
  .description('print an OpenAPI 3.1 document of a deployment: its routes, parameters, security and every error response with examples')
  .requiredOption('-c, --config <file>', 'configuration file')
  .option('--title <title>', 'API title', 'API')
  .option('--api-version <version>', 'API version', '1.0.0')
  .option('--server <url>', 'public base URL of the API')
  .option('--format <format>', 'json or yaml', 'json')
  .action((options: { config: string; title: string; apiVersion: string; server?: string; format: string }) => {
    const document = renderOpenApi(loadOrExit(options.config), { title: options.title, version: options.apiVersion, ...(options.server === undefined ? {} : { serverUrl: options.server }) });
    process.stdout.write(options.format === 'yaml' ? stringifyYaml(document) : `${JSON.stringify(document, null, 2)}\n`);
  });
docs
  .command('config')
  .description('print the configuration reference (Markdown)')
  .action(() => {
    process.stdout.write(renderConfigDoc());
  });
docs
  .command('write')
  .description('write docs/errors.md (and errors.<lang>.md for every other shipped language), docs/config.md, docs/lifecycle.md, the README\'s stage table, and the SDK\'s list of error codes')
  .option('--dir <dir>', 'output folder', 'docs')
  .action((options: { dir: string }) => {
    mkdirSync(options.dir, { recursive: true });
    const written = referenceFiles().map(({ file, text }) => {
      writeFileSync(join(options.dir, file), text);
      return join(options.dir, file);
    });
    writeFileSync(join(options.dir, 'config.md'), renderConfigDoc());
    writeFileSync(join(options.dir, 'lifecycle.md'), renderLifecycleDoc());
    const readme = join(options.dir, '..', 'README.md');
    writeFileSync(readme, withStageTable(readFileSync(readme, 'utf8')));
    const clientCodes = join(options.dir, '..', 'packages', 'client', 'src', 'error-codes.ts');
    writeFileSync(clientCodes, renderClientCodes());
    process.stdout.write(`wrote ${[...written, join(options.dir, 'config.md'), join(options.dir, 'lifecycle.md'), `${readme} (stage table)`, clientCodes].join(', ')}\n`);
  });

registerAdminCommands(program, (file) => loadOrExit(file));
registerOperationCommands(program, (file) => loadOrExit(file));
registerTraceCommand(program);
registerUsageCommands(program, (file) => loadOrExit(file));

await program.parseAsync(process.argv);
