import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, where a machine has it installed. */
const systemChromium = '/usr/bin/chromium';

/**
 * Flags for a headless Chromium on a machine with a closed network: without the background-networking
 * ones it keeps trying to reach its vendor's hosts. As root it needs --no-sandbox.
 */
const quietFlags = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface ChromiumChoice {
  readonly executablePath: string;
  readonly args: readonly string[];
  /** Where it came from, for failure messages. */
  readonly source: 'PORTIER_CHROMIUM' | 'system' | 'npm';
}

/**
 * The browser for the page checks: `PORTIER_CHROMIUM` when set, else Debian's /usr/bin/chromium, else
 * the Chromium that the @sparticuz/chromium npm package ships (so `npm install` alone is enough).
 * `PORTIER_CHROMIUM=npm` forces the npm one, to check that path on a machine that has both.
 */
export async function chooseChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumChoice> {
  const configured = env['PORTIER_CHROMIUM'];
  if (configured !== undefined && configured !== '' && configured !== 'npm') {
    if (!existsSync(configured)) throw new Error(`PORTIER_CHROMIUM=${configured}: no such file`);
    return { executablePath: configured, args: quietFlags, source: 'PORTIER_CHROMIUM' };
  }
  if (configured !== 'npm' && existsSync(systemChromium)) return { executablePath: systemChromium, args: quietFlags, source: 'system' };
  const bundled = (await import('@sparticuz/chromium')).default;
  // Unpacks the browser into the temp folder on first use (global-setup.ts does it once per run). Its
  // own `args` are for serverless hosts (--single-process, --disable-web-security): they hang a
  // cross-origin page and would void the CORS check, so only the flags above are passed.
  const executablePath = await bundled.executablePath();
  return { executablePath, args: quietFlags, source: 'npm' };
}

/** A headless Chromium from `chooseChromium`. */
export async function launchChromium(): Promise<Browser> {
  const choice = await chooseChromium();
  try {
    return await chromium.launch({ executablePath: choice.executablePath, args: [...choice.args], headless: true });
  } catch (error) {
    throw new Error(`Chromium (${choice.source}, ${choice.executablePath}) did not start: ${String(error)}`);
  }
}
