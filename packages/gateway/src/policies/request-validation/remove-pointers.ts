/**
 * Removes the values at the given JSON pointers from a document, in place. Every pointer is resolved
 * against the document as it came: array elements are removed together at the end, so removing one
 * does not shift the others, and a value inside one that is removed simply goes with it.
 */
export function removePointers(document: unknown, pointers: readonly string[]): void {
  const doomedIndices = new Map<unknown[], Set<number>>();
  for (const pointer of pointers) {
    const tokens = pointer.slice(1).split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
    // `split` gives at least one token: the last names the value, the others lead to its parent.
    const last = tokens.pop() as string;
    let parent: unknown = document;
    for (const token of tokens) {
      if (parent === null || typeof parent !== 'object') break;
      parent = (parent as Record<string, unknown>)[token];
    }
    if (parent === null || typeof parent !== 'object') continue;
    // Deleting a key shifts nothing, so it can go at once.
    if (Array.isArray(parent)) doomedIndices.set(parent, (doomedIndices.get(parent) ?? new Set()).add(Number(last)));
    else delete (parent as Record<string, unknown>)[last];
  }
  for (const [array, doomed] of doomedIndices) {
    let kept = 0;
    for (let index = 0; index < array.length; index++) if (!doomed.has(index)) array[kept++] = array[index];
    array.length = kept;
  }
}
