import type { ResponseHeaders, ResponseSink } from '../../pipeline/exchange.js';

export interface RecordedResponse {
  readonly status: number;
  /** Flat name/value pairs, names in lower case, without those `skip` refuses. */
  readonly headers: string[];
  /** Undefined when the body grew past the cap. */
  readonly body: Buffer | undefined;
}

type Chunk = string | Uint8Array;

/**
 * Watches one response as any terminal writes it (proxy, async accept, rendered error), keeping its
 * status, headers and up to `maxBodyBytes` of body. `onEnd` runs when the response is complete, before
 * its last bytes leave, so a retry the caller sends after reading it always finds the record; `onAbandon`
 * runs if the connection closes first (a cut upstream, a client gone).
 */
export function recordResponse(
  res: ResponseSink,
  options: { readonly maxBodyBytes: number; readonly skip: (name: string) => boolean },
  onEnd: (recorded: RecordedResponse) => void,
  onAbandon: () => void,
): void {
  const { writeHead, write, end } = res;
  let explicit: string[] = [];
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  let ended = false;

  const keep = (chunk: unknown, encoding: unknown): void => {
    if (overflow || chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : Buffer.from(chunk as Uint8Array);
    size += buffer.length;
    if (size > options.maxBodyBytes) {
      overflow = true;
      chunks.length = 0;
      return;
    }
    chunks.push(buffer);
  };

  res.writeHead = function recordHead(this: ResponseSink, status: number, ...rest: unknown[]): unknown {
    const headers = rest.find((item) => typeof item === 'object' && item !== null);
    if (headers !== undefined) explicit = flatten(headers as ResponseHeaders | readonly string[]);
    return (writeHead as (...args: unknown[]) => unknown).call(this, status, ...rest);
  };

  res.write = function recordWrite(this: ResponseSink, chunk: Chunk, ...rest: unknown[]): boolean {
    keep(chunk, rest[0]);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  };

  res.end = function recordEnd(this: ResponseSink, ...args: unknown[]): unknown {
    if (!ended) {
      ended = true;
      keep(args[0], args[1]);
      // Headers given to writeHead win over those set before it; where some were set before (an app
      // framework's), Node has already merged writeHead's into getHeaders(): count each name once.
      const named = new Set<string>();
      for (let i = 0; i < explicit.length; i += 2) named.add((explicit[i] as string).toLowerCase());
      const set = flatten(res.getHeaders());
      const pairs: string[] = [];
      for (let i = 0; i < set.length; i += 2) if (!named.has((set[i] as string).toLowerCase())) pairs.push(set[i] as string, set[i + 1] as string);
      pairs.push(...explicit);
      const headers: string[] = [];
      for (let i = 0; i < pairs.length; i += 2) {
        const name = (pairs[i] as string).toLowerCase();
        if (!options.skip(name)) headers.push(name, pairs[i + 1] as string);
      }
      onEnd({ status: res.statusCode, headers, body: overflow ? undefined : Buffer.concat(chunks) });
    }
    return (end as (...args: unknown[]) => unknown).apply(this, args);
  };

  res.once('close', () => {
    if (!ended) {
      ended = true;
      onAbandon();
    }
  });
}

function flatten(headers: ResponseHeaders | readonly string[]): string[] {
  if (Array.isArray(headers)) return headers.map(String);
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers as ResponseHeaders)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) out.push(name, String(item));
    else out.push(name, String(value));
  }
  return out;
}
