import { phrase } from '../../errors/param-phrases.js';

/** Where a problem is in a text: 1-based line and column. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/** Offsets come from the text itself; one past its end reads `NaN` there, which is no line feed. */
export function positionOf(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Offset of the first bracket nested deeper than `maxDepth`, or -1. Runs before JSON.parse so a body
 * nested 10,000 deep is refused in one linear pass instead of building a 10,000-deep value.
 */
export function findTooDeep(text: string, maxDepth: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 91 || c === 123) {
      if (++depth > maxDepth) return i;
    } else if (c === 93 || c === 125) {
      depth--;
    }
  }
  return -1;
}

/**
 * Finds where and why a text is not JSON. V8's messages do not always give a position, so this
 * scanner does; it runs only after JSON.parse has failed, on bodies already checked for depth.
 */
export function locateJsonError(text: string): { offset: number; reason: string } {
  let i = 0;
  const fail = (reason: string): never => {
    throw Object.assign(new Error(reason), { offset: i });
  };
  const space = (): void => {
    // Past the end `charAt` gives '', which is no white space.
    while (/[ \t\n\r]/.test(text.charAt(i))) i++;
  };
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(phrase('jsonUnexpected', { found: describe(text, i) }));
  };
  const string = (): void => {
    i++;
    while (i < text.length) {
      const c = text[i] as string;
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        // Empty past the end, which matches no escape.
        const next = text.slice(i + 1, i + 2);
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}/.test(text.slice(i + 2))) fail(phrase('jsonBadUnicodeEscape'));
          i += 6;
        } else if (/["\\/bfnrt]/.test(next)) i += 2;
        else fail(phrase('jsonBadEscape'));
      } else if (c.charCodeAt(0) < 32) {
        fail(phrase('jsonControlCharacter'));
      } else i++;
    }
    fail(phrase('jsonUnterminated'));
  };
  const number = (): void => {
    // At least one digit or no match: a lone '-' is no number.
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (match === null) fail(phrase('jsonUnexpected', { found: describe(text, i) }));
    i += (match as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === undefined) fail(phrase('jsonEndsEarly'));
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail(phrase('jsonPropertyName', { found: describe(text, i) }));
        string();
        space();
        if (text[i] !== ':') fail(phrase('jsonColon', { found: describe(text, i) }));
        i++;
        value();
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(phrase('jsonObjectNext', { found: describe(text, i) }));
      }
    }
    if (c === '[') {
      i++;
      space();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(phrase('jsonArrayNext', { found: describe(text, i) }));
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    return number();
  };
  try {
    value();
    space();
    if (i < text.length) fail(phrase('jsonUnexpectedAfter', { found: describe(text, i) }));
    return { offset: text.length, reason: phrase('jsonUnparsable') };
  } catch (error) {
    return { offset: (error as { offset: number }).offset, reason: (error as Error).message };
  }
}

function describe(text: string, at: number): string {
  const c = text[at];
  if (c === undefined) return phrase('jsonEndOfBody');
  return /[\x21-\x7e]/.test(c) ? `'${c}'` : phrase('jsonCharacter', { code: `U+${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}` });
}
