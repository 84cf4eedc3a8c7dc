/**
 * The request target as the gateway routes and forwards it: one string for both, so that the route a
 * request matched is the path the upstream receives. `undefined` when the target is refused.
 */
export interface RequestTarget {
  /** Normalized path (origin form, no query). */
  readonly path: string;
  /** The query string with its `?`, or ''. */
  readonly query: string;
}

const absoluteForm = /^https?:\/\/[^/?#]*/i;
const hexDigit = /^[0-9A-Fa-f]{2}$/;

/**
 * Reduces a request target to the one form the gateway routes and forwards, or refuses it:
 * - absolute form (`http://host/path`, RFC 9112 section 3.2.2) becomes origin form (`/path`); any
 *   other form that does not start with `/` (`*`, `ftp://...`) is refused;
 * - a fragment is dropped (clients never send one; an upstream would not expect it);
 * - in the path, percent-encoded unreserved characters are decoded (`%7E` is `~`, RFC 3986 section
 *   6.2.2.2) and the other escapes upper-cased;
 * - refused: an escape that is not two hex digits, an encoded slash (`%2F`), a backslash (raw or
 *   `%5C`), NUL (`%00`), control and non-ASCII characters (Node's parser already refuses the raw
 *   ones), and `.` or `..` segments (also once decoded, also with
 *   `;parameters`), since an upstream may decode or resolve any of them into a path outside the
 *   route's prefix.
 */
export function resolveRequestTarget(url: string): RequestTarget | undefined {
  let target = url;
  if (target[0] !== '/') {
    const authority = absoluteForm.exec(target);
    if (authority === null) return undefined;
    target = target.slice(authority[0].length);
    if (target[0] !== '/') target = `/${target}`;
  }
  const hash = target.indexOf('#');
  if (hash !== -1) target = target.slice(0, hash);
  const mark = target.indexOf('?');
  const rawPath = mark === -1 ? target : target.slice(0, mark);
  const rawQuery = mark === -1 ? '' : target.slice(mark);
  const path = normalizePath(rawPath);
  if (path === undefined || hasDotSegment(path)) return undefined;
  const query = normalizeQuery(rawQuery);
  if (query === undefined) return undefined;
  return { path, query };
}

/** Fast path: a path of plain characters needs no rewriting. */
const plainPath = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;

function normalizePath(raw: string): string | undefined {
  if (plainPath.test(raw)) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const char = raw.charCodeAt(i);
    if (char === 0x25) {
      const hex = raw.slice(i + 1, i + 3);
      if (!hexDigit.test(hex)) return undefined;
      const byte = Number.parseInt(hex, 16);
      if (byte === 0x2f || byte === 0x5c || byte < 0x20 || byte === 0x7f) return undefined;
      out += isUnreserved(byte) ? String.fromCharCode(byte) : `%${hex.toUpperCase()}`;
      i += 2;
    } else if (char === 0x5c || char <= 0x20 || char >= 0x7f) {
      return undefined;
    } else {
      out += raw[i];
    }
  }
  return out;
}

/** The query is the upstream's business: only characters no request line may carry are refused. */
const unsafeQuery = /[^\x21-\x7e]/;

function normalizeQuery(raw: string): string | undefined {
  return unsafeQuery.test(raw) ? undefined : raw;
}

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2d ||
    byte === 0x2e ||
    byte === 0x5f ||
    byte === 0x7e
  );
}

/** A `.` or `..` segment, also with `;parameters` (which some servers strip before resolving). */
const dotSegment = /(?:^|\/)\.{1,2}(?:;[^/]*)?(?:\/|$)/;

function hasDotSegment(path: string): boolean {
  return path.includes('.') && dotSegment.test(path);
}
