import type { ErrorItem } from '../../errors/portier-error.js';

const maxHeaderLength = 4096;

/**
 * Non-fatal findings for the X-Portier-Warnings response header: a JSON array of items, keeping as many
 * as fit in 4 KiB (the last item says how many were left out).
 */
export function warningsHeader(warnings: readonly ErrorItem[]): string {
  let kept = warnings.length;
  for (;;) {
    const items: unknown[] = warnings.slice(0, kept);
    if (kept < warnings.length) items.push({ pointer: '', message: `${warnings.length - kept} more warning(s) left out`, rule: 'truncated' });
    const text = JSON.stringify(items);
    if (text.length <= maxHeaderLength || kept === 0) return text;
    kept--;
  }
}
