import { describe, expect, it } from 'vitest';
import { phrase } from '../../errors/param-phrases.js';
import { findTooDeep, locateJsonError, positionOf } from './json-text.js';

/** Where (offset) and why each text is not JSON: the scanner must agree with JSON.parse that it is not. */
function located(text: string): { offset: number; reason: string } {
  expect(() => JSON.parse(text), text).toThrow();
  return locateJsonError(text);
}

describe('json text', () => {
  it('json text: positionOf counts lines by line feeds and columns from the line\'s start, 1-based', () => {
    expect(positionOf('abc', 0)).toEqual({ line: 1, column: 1 });
    expect(positionOf('abc', 2)).toEqual({ line: 1, column: 3 });
    expect(positionOf('a\nbc\nd', 3)).toEqual({ line: 2, column: 2 });
    expect(positionOf('a\nbc\nd', 5)).toEqual({ line: 3, column: 1 });
    expect(positionOf('a\n', 1)).toEqual({ line: 1, column: 2 });
    // An offset past the end counts the lines of the text only.
    expect(positionOf('a\nb', 9)).toEqual({ line: 2, column: 8 });
  });

  it('json text: findTooDeep finds the first bracket past the depth, ignoring brackets in strings and escaped quotes', () => {
    expect(findTooDeep('[[1]]', 2)).toBe(-1);
    expect(findTooDeep('[[1]]', 1)).toBe(1);
    expect(findTooDeep('{"a":{"b":{}}}', 2)).toBe(10);
    expect(findTooDeep('[[],[],[[]]]', 2)).toBe(8);
    expect(findTooDeep('["[[[", "\\"[[["]', 1)).toBe(-1);
    expect(findTooDeep('["\\\\", [[]]]', 2)).toBe(8);
    expect(findTooDeep('{}', 0)).toBe(0);
    // Closing brackets of both kinds give the depth back.
    expect(findTooDeep('[{},{},[],[]]', 2)).toBe(-1);
    expect(findTooDeep('1', 0)).toBe(-1);
  });

  it('json text: locates a value cut short, a stray character and what follows the value', () => {
    expect(located('')).toEqual({ offset: 0, reason: phrase('jsonEndsEarly') });
    expect(located('  ')).toEqual({ offset: 2, reason: phrase('jsonEndsEarly') });
    expect(located('[1,')).toEqual({ offset: 3, reason: phrase('jsonEndsEarly') });
    expect(located('{"a":')).toEqual({ offset: 5, reason: phrase('jsonEndsEarly') });
    expect(located('[1] x')).toEqual({ offset: 4, reason: phrase('jsonUnexpectedAfter', { found: "'x'" }) });
    expect(located('{} {}')).toEqual({ offset: 3, reason: phrase('jsonUnexpectedAfter', { found: "'{'" }) });
    expect(located('@')).toEqual({ offset: 0, reason: phrase('jsonUnexpected', { found: "'@'" }) });
    expect(located('-')).toEqual({ offset: 0, reason: phrase('jsonUnexpected', { found: "'-'" }) });
    expect(located('[01]')).toEqual({ offset: 2, reason: phrase('jsonArrayNext', { found: "'1'" }) });
    expect(located('[1.]')).toEqual({ offset: 2, reason: phrase('jsonArrayNext', { found: "'.'" }) });
    expect(located('[-1.5e+3, 2E7, tru]')).toEqual({ offset: 15, reason: phrase('jsonUnexpected', { found: "'t'" }) });
    expect(located('[true, fals]')).toEqual({ offset: 7, reason: phrase('jsonUnexpected', { found: "'f'" }) });
    expect(located('nul')).toEqual({ offset: 0, reason: phrase('jsonUnexpected', { found: "'n'" }) });
    expect(located('[null false]')).toEqual({ offset: 6, reason: phrase('jsonArrayNext', { found: "'f'" }) });
  });

  it('json text: locates broken objects: the property name, the colon, what comes after a member', () => {
    expect(located('{a:1}')).toEqual({ offset: 1, reason: phrase('jsonPropertyName', { found: "'a'" }) });
    expect(located('{"a":1,}')).toEqual({ offset: 7, reason: phrase('jsonPropertyName', { found: "'}'" }) });
    expect(located('{"a" 1}')).toEqual({ offset: 5, reason: phrase('jsonColon', { found: "'1'" }) });
    expect(located('{"a":1 "b":2}')).toEqual({ offset: 7, reason: phrase('jsonObjectNext', { found: "'\"'" }) });
    expect(located('{"a":1')).toEqual({ offset: 6, reason: phrase('jsonObjectNext', { found: phrase('jsonEndOfBody') }) });
    expect(located('{ "a" : { } , "b" : [ ] ,\t"c":"d" }x')).toEqual({ offset: 35, reason: phrase('jsonUnexpectedAfter', { found: "'x'" }) });
    expect(located('{\r\n}\u00a0')).toEqual({ offset: 4, reason: phrase('jsonUnexpectedAfter', { found: phrase('jsonCharacter', { code: 'U+00A0' }) }) });
  });

  it('json text: locates broken strings: escapes, control characters, the missing end', () => {
    expect(located('"abc')).toEqual({ offset: 4, reason: phrase('jsonUnterminated') });
    expect(located('"a\\x"')).toEqual({ offset: 2, reason: phrase('jsonBadEscape') });
    expect(located('"a\\')).toEqual({ offset: 2, reason: phrase('jsonBadEscape') });
    expect(located('"\\u12G4"')).toEqual({ offset: 1, reason: phrase('jsonBadUnicodeEscape') });
    expect(located('"\\u12"')).toEqual({ offset: 1, reason: phrase('jsonBadUnicodeEscape') });
    // The four digits must follow the \u, not come later in the text.
    expect(located('["\\u12", "beef"]')).toEqual({ offset: 2, reason: phrase('jsonBadUnicodeEscape') });
    expect(located('"a\tb"')).toEqual({ offset: 2, reason: phrase('jsonControlCharacter') });
    expect(located('["\\"\\\\\\/\\b\\f\\n\\r\\t\\u00aF", "\u001f"]')).toEqual({ offset: 28, reason: phrase('jsonControlCharacter') });
    expect(located('[" ", 1 2]')).toEqual({ offset: 8, reason: phrase('jsonArrayNext', { found: "'2'" }) });
  });

  it('json text: a character outside printable ASCII is named by its code point', () => {
    expect(located('[\u0001]')).toEqual({ offset: 1, reason: phrase('jsonUnexpected', { found: phrase('jsonCharacter', { code: 'U+0001' }) }) });
    expect(located('[1\u2028]')).toEqual({ offset: 2, reason: phrase('jsonArrayNext', { found: phrase('jsonCharacter', { code: 'U+2028' }) }) });
    expect(located('[ ~]')).toEqual({ offset: 2, reason: phrase('jsonUnexpected', { found: "'~'" }) });
    expect(located('[!]')).toEqual({ offset: 1, reason: phrase('jsonUnexpected', { found: "'!'" }) });
  });

  it('json text: valid numbers and literals before the error are read whole', () => {
    // Multi-digit integers, fractions and exponents, then the error after them.
    expect(located('[100, 12.50e+10, -0.25E-12, x]')).toEqual({ offset: 28, reason: phrase('jsonUnexpected', { found: "'x'" }) });
    expect(located('[false, x]')).toEqual({ offset: 8, reason: phrase('jsonUnexpected', { found: "'x'" }) });
    // A number starts where the scanner is, not at the next digit.
    expect(located('[x1]')).toEqual({ offset: 1, reason: phrase('jsonUnexpected', { found: "'x'" }) });
  });

  it('json text: a text the scanner accepts has no position to give but its end', () => {
    expect(locateJsonError('{"a":[1,{"b":null}]}')).toEqual({ offset: 20, reason: phrase('jsonUnparsable') });
  });
});
