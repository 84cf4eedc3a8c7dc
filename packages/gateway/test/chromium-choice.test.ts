import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { chooseChromium } from './helpers/chromium.js';

/** Which browser the page checks use: the machine's when it has one, else the npm package's. */
describe('the Chromium of the page checks', () => {
  it('chromium: PORTIER_CHROMIUM names the executable, and a wrong path is a clear failure', async () => {
    await expect(chooseChromium({ PORTIER_CHROMIUM: process.execPath })).resolves.toMatchObject({ executablePath: process.execPath, source: 'PORTIER_CHROMIUM' });
    await expect(chooseChromium({ PORTIER_CHROMIUM: '/nonexistent/chromium' })).rejects.toThrow('PORTIER_CHROMIUM=/nonexistent/chromium: no such file');
  });

  it('chromium: PORTIER_CHROMIUM=npm takes the browser @sparticuz/chromium ships, unpacked and ready', async () => {
    const choice = await chooseChromium({ PORTIER_CHROMIUM: 'npm' });
    expect(choice.source).toBe('npm');
    expect(existsSync(choice.executablePath)).toBe(true);
    // Serverless flags that would void the CORS check are not passed.
    expect(choice.args).not.toContain('--disable-web-security');
    expect(choice.args).toContain('--disable-background-networking');
  });

  it('chromium: without PORTIER_CHROMIUM, Debian\'s /usr/bin/chromium if present, else the npm one', async () => {
    const choice = await chooseChromium({});
    expect(choice.source).toBe(existsSync('/usr/bin/chromium') ? 'system' : 'npm');
  });
});
