// `npm install` and `npm ci` run `prepare` to build the workspaces. `npm ci --dry-run` runs it too, yet
// installs nothing, so there is no TypeScript to build with: a dry run skips the build.
import { execSync } from 'node:child_process';

if (process.env['npm_config_dry_run'] !== 'true') execSync('npm run build', { stdio: 'inherit' });
