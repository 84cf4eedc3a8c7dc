/** A URL with its user and password (`redis://user:secret@host`) replaced, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//[redacted]@');
}
