import { Writable } from 'node:stream';

/**
 * Receives an upstream error body that is about to be normalized: keeps up to `maxBytes`, then only
 * drains, so a huge error page cannot fill memory.
 */
export class ErrorBodyCollector extends Writable {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  overflowed = false;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) this.overflowed = true;
    else this.chunks.push(chunk);
    callback();
  }

  /** The body as text, or undefined when it was larger than the limit. */
  text(): string | undefined {
    return this.overflowed ? undefined : Buffer.concat(this.chunks).toString('utf8');
  }
}
