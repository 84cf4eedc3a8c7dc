/**
 * Holds an upstream body that is answered from memory (an error to normalize, a success to merge
 * warnings into): keeps up to `maxBytes`, then only counts, so a huge page cannot fill memory.
 */
export class BodyCollector {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  overflowed = false;

  constructor(private readonly maxBytes: number) {}

  /** Never asks the upstream to slow down: the bytes past the limit are dropped as they come. */
  write(chunk: Buffer): true {
    this.size += chunk.length;
    if (this.size > this.maxBytes) this.overflowed = true;
    else this.chunks.push(chunk);
    return true;
  }

  /** The body as text, or undefined when it was larger than the limit. */
  text(): string | undefined {
    return this.overflowed ? undefined : Buffer.concat(this.chunks).toString('utf8');
  }
}
