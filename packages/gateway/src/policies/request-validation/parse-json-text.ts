import { phrase } from '../../errors/param-phrases.js';
import { portierError, type PortierError } from '../../errors/portier-error.js';
import { findTooDeep, locateJsonError, positionOf } from './json-text.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a request body as JSON the one way Portier does (validation and `featureWhen` alike): strict
 * UTF-8, nesting at most `maxDepth` deep (checked before parsing), and on failure 400 `invalid_json`
 * with the reason, line and column.
 */
export function parseJsonText(bytes: Buffer, maxDepth: number): { value: unknown } | PortierError {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    const lossy = bytes.toString('utf8');
    return invalidJson(phrase('jsonNotUtf8'), lossy, lossy.indexOf('\uFFFD'));
  }
  const deep = findTooDeep(text, maxDepth);
  if (deep !== -1) return invalidJson(phrase('jsonTooDeep', { max: String(maxDepth) }), text, deep);
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    const { offset, reason } = locateJsonError(text);
    return invalidJson(reason, text, offset);
  }
}

function invalidJson(reason: string, text: string, offset: number): PortierError {
  const { line, column } = positionOf(text, Math.max(0, offset));
  return portierError('invalid_json', { reason, line, column });
}
