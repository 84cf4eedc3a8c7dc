import { describe, expect, it } from 'vitest';
import { removePointers } from './remove-pointers.js';

/** The document once the pointers are removed from it (a fresh copy each time). */
function without(document: unknown, pointers: readonly string[]): unknown {
  const copy: unknown = structuredClone(document);
  removePointers(copy, pointers);
  return copy;
}

describe('removePointers', () => {
  it('removePointers: removes array items from the highest index down, and nested keys', () => {
    const document = { a: [0, 1, 2, 3], b: { 'c/d': 1, e: 2 }, f: 'x' };
    removePointers(document, ['/a/1', '/a/3', '/b/c~1d', '/f/x', '/missing/y']);
    expect(document).toEqual({ a: [0, 2], b: { e: 2 }, f: 'x' });
  });

  it('removePointers: removes the array indices named, as numbers, whatever order the pointers come in', () => {
    const list = Array.from({ length: 12 }, (_, index) => index);
    // Removing 2 before resolving 10 would shift the item at 10 down to where 9 was.
    expect(without(list, ['/2', '/10'])).toEqual([0, 1, 3, 4, 5, 6, 7, 8, 9, 11]);
    expect(without(list, ['/10', '/2'])).toEqual([0, 1, 3, 4, 5, 6, 7, 8, 9, 11]);
    expect(without({ a: list }, ['/a/0', '/a/11', '/a/5'])).toEqual({ a: [1, 2, 3, 4, 6, 7, 8, 9, 10] });
  });

  it('removePointers: an item inside a removed one goes with it, whatever order the pointers come in', () => {
    // Removing /a/1 before resolving /a/1/0 would move [7, 8] to /a/1, and /a/1/0 would remove the 7.
    const document = { a: [0, [5, 6], [7, 8]] };
    expect(without(document, ['/a/1', '/a/1/0'])).toEqual({ a: [0, [7, 8]] });
    expect(without(document, ['/a/1/0', '/a/1'])).toEqual({ a: [0, [7, 8]] });
  });

  it('removePointers: removes items of several arrays and keys of an object, the pointers mixed in any order', () => {
    const document = { a: [0, 1, 2, 3, 4], b: { x: 1, y: 2 }, c: [0, 1, 2] };
    const expected = { a: [0, 2, 4], b: {}, c: [0] };
    expect(without(document, ['/a/1', '/b/x', '/c/1', '/a/3', '/b/y', '/c/2'])).toEqual(expected);
    expect(without(document, ['/c/2', '/b/y', '/a/3', '/c/1', '/b/x', '/a/1'])).toEqual(expected);
    expect(without(document, ['/b/x', '/a/3', '/c/1', '/a/1', '/c/2', '/b/y'])).toEqual(expected);
  });

  it('removePointers: decodes ~1 as / and ~0 as ~, every occurrence, ~01 being ~1', () => {
    const document = { 'a/b/c': 1, '~x~y': 2, '~1': 3, keep: 4 };
    expect(without(document, ['/a~1b~1c', '/~0x~0y', '/~01'])).toEqual({ keep: 4 });
  });

  it('removePointers: skips a pointer whose parent is missing, null or not an object, at any depth', () => {
    const document = { a: null, b: { c: 'text' }, d: [1], s: 'xy' };
    // Each would throw if walked into: a property of undefined or null, an index of a string deleted.
    expect(without(document, ['/missing/y', '/missing/y/z', '/a/b', '/a/b/c', '/b/c/0', '/b/c/0/1', '/s/0', '/d/0/x'])).toEqual(document);
  });

  it('removePointers: a pointer given twice removes its one item, not the next one too', () => {
    // Two failed rules on one item give its pointer twice.
    expect(without({ tags: ['ok', 'ABCD', 'no'] }, ['/tags/1', '/tags/1'])).toEqual({ tags: ['ok', 'no'] });
  });

  it('removePointers: removes a key of the document itself and of an object inside an array', () => {
    expect(without({ a: 1, b: 2 }, ['/a'])).toEqual({ b: 2 });
    expect(without({ list: [{ x: 1, y: 2 }] }, ['/list/0/x'])).toEqual({ list: [{ y: 2 }] });
  });
});
