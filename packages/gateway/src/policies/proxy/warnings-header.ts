import type { ErrorItem } from '../../errors/portier-error.js';

const maxHeaderLength = 4096;

/**
 * Non-fatal findings for the X-Portier-Warnings response header: a JSON array of items, keeping as many
 * as fit in 4 KiB (the last item says how many were left out). Every character beyond printable ASCII
 * is written as a JSON `\uXXXX` escape: a pointer can hold a client's property name, and Node refuses a
 * header value with a character above U+00FF (the answer would fail after the upstream has acted).
 */
export function warningsHeader(warnings: readonly ErrorItem[]): string {
  let kept = warnings.length;
  for (;;) {
    const items: unknown[] = warnings.slice(0, kept);
    if (kept < warnings.length) items.push({ pointer: '', message: `${warnings.length - kept} more warning(s) left out`, rule: 'truncated' });
    const text = asciiJson(items);
    if (text.length <= maxHeaderLength || kept === 0) return text;
    kept--;
  }
}

/** JSON.stringify with every character outside printable ASCII escaped (JSON already escapes controls). */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
