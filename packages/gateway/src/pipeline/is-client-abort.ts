/**
 * True for the error Node's HTTP server gives a request body when the client's connection closes
 * before the body is complete (a reset, or the server's own request timeout): `ConnResetException
 * ('aborted')`. An upstream's reset reads `read ECONNRESET` (with a syscall) or comes from undici with
 * a code of its own, so the two are never confused.
 */
export function isClientAbort(error: unknown): boolean {
  const candidate = error as { code?: unknown; message?: unknown; syscall?: unknown } | null;
  return candidate !== null && candidate.code === 'ECONNRESET' && candidate.message === 'aborted' && candidate.syscall === undefined;
}
