import type { DestinationStream } from 'pino';

/** Where pino and the access log put a request's id; written first thing after the base fields, never escaped (a checked charset). */
const correlationIdField = /"correlationId":"([^"\\]{1,128})"/;

/**
 * The last log lines that name a correlation ID, kept in memory for the dashboard's search: a ring
 * bounded both by count and by bytes (UTF-8, the line as written), the oldest line leaving first when
 * either bound would be passed. A line larger than the byte bound on its own is not kept. Lines
 * without a correlation ID (startup, reloads) are not kept either: nobody can search for them.
 *
 * Memory: at most `maxBytes` of line text plus three array slots per line (`maxLines` of each).
 */
export class RecentLogLines {
  private readonly ids: string[] = [];
  private readonly texts: string[] = [];
  private readonly sizes: number[] = [];
  /** Index of the oldest line. */
  private head = 0;
  private count = 0;
  private bytes = 0;

  constructor(
    readonly maxLines: number,
    readonly maxBytes: number,
  ) {}

  /** Keeps each line of `chunk` (one or more `\n`-ended JSON lines) that names a correlation ID. */
  add(chunk: string): void {
    let start = 0;
    while (start < chunk.length) {
      let end = chunk.indexOf('\n', start);
      if (end === -1) end = chunk.length;
      if (end > start) this.keep(chunk.slice(start, end));
      start = end + 1;
    }
  }

  /** Every kept line of one request, oldest first, as written (JSON text). */
  find(correlationId: string): string[] {
    const found: string[] = [];
    for (let i = 0; i < this.count; i++) {
      const slot = (this.head + i) % this.maxLines;
      if (this.ids[slot] === correlationId) found.push(this.texts[slot] as string);
    }
    return found;
  }

  /** What the ring holds now: lines, bytes, and the time span they cover is in the lines themselves. */
  usage(): { readonly lines: number; readonly bytes: number; readonly maxLines: number; readonly maxBytes: number } {
    return { lines: this.count, bytes: this.bytes, maxLines: this.maxLines, maxBytes: this.maxBytes };
  }

  private keep(line: string): void {
    const id = correlationIdField.exec(line)?.[1];
    if (id === undefined) return;
    const size = Buffer.byteLength(line);
    if (size > this.maxBytes || this.maxLines === 0) return;
    while (this.count === this.maxLines || this.bytes + size > this.maxBytes) this.dropOldest();
    const slot = (this.head + this.count) % this.maxLines;
    this.ids[slot] = id;
    this.texts[slot] = line;
    this.sizes[slot] = size;
    this.count++;
    this.bytes += size;
  }

  private dropOldest(): void {
    this.bytes -= this.sizes[this.head] as number;
    // Let the string go now, not when the slot is reused.
    this.texts[this.head] = '';
    this.ids[this.head] = '';
    this.head = (this.head + 1) % this.maxLines;
    this.count--;
  }
}

/** A destination that writes everything to `stream` and keeps a copy of the request lines in `recent`. */
export function teeToRecentLines(stream: DestinationStream, recent: RecentLogLines): DestinationStream {
  const flushable = stream as DestinationStream & { flush?: (callback: (error?: Error) => void) => void };
  return {
    write(chunk: string) {
      recent.add(chunk);
      return stream.write(chunk);
    },
    // pino's logger.flush() flushes its destination when the destination can.
    ...(typeof flushable.flush === 'function' ? { flush: (callback: (error?: Error) => void) => flushable.flush?.(callback) } : {}),
  } as DestinationStream;
}
