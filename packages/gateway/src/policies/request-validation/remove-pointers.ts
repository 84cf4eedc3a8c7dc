/**
 * Removes the values at the given JSON pointers from a document, in place. Array elements are removed
 * from the highest index down, so removing one does not shift the others.
 */
export function removePointers(document: unknown, pointers: readonly string[]): void {
  const paths = pointers.map((pointer) => pointer.slice(1).split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~')));
  paths.sort((a, b) => compareDescending(a, b));
  for (const path of paths) {
    let parent: unknown = document;
    for (const token of path.slice(0, -1)) {
      if (parent === null || typeof parent !== 'object') break;
      parent = (parent as Record<string, unknown>)[token];
    }
    // `split` gives at least one token.
    const last = path[path.length - 1] as string;
    if (parent === null || typeof parent !== 'object') continue;
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete (parent as Record<string, unknown>)[last];
  }
}

/** Deeper paths first; for siblings in an array, higher indices first. */
function compareDescending(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x === y) continue;
    const numeric = /^\d+$/.test(x) && /^\d+$/.test(y);
    return numeric ? Number(y) - Number(x) : y < x ? -1 : 1;
  }
  return b.length - a.length;
}
