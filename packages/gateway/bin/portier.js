#!/usr/bin/env node
// The `portier` command. npm links a package's bin when it installs it, before `prepare` has built
// dist/, so the bin is this committed file rather than the built one: the link exists after the first
// `npm install` or `npm ci`, and a missing build gets a clear line instead of "command not found".
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('portier is not built yet: run `npm run build` at the repository root first\n');
  process.exit(1);
}
await import(main.href);
