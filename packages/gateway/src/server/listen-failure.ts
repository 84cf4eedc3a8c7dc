import { catalog } from '../errors/catalog.js';
import { fillTemplate } from '../errors/fill-template.js';

/**
 * What a start that cannot listen prints, `portier start` and the example scripts alike: the catalog's
 * `listen_failed` text for the address, then its hints, one per line.
 */
export function listenFailureLines(address: string, error: unknown): string[] {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const reason = code === 'EADDRINUSE' ? 'the address is already in use' : error instanceof Error ? error.message : String(error);
  const texts = catalog.listen_failed.texts.en;
  return [`listen_failed: ${fillTemplate(texts.detail, { address, reason })}`, ...texts.troubleshooting.map((step) => `hint: ${step}`)];
}
