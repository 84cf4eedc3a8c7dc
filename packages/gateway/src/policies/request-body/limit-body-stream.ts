import { Transform, type TransformCallback } from 'node:stream';

/** Passes a body through and fails once more than `maxBytes` have gone by. */
export class BodySizeLimiter extends Transform {
  private seen = 0;
  exceeded = false;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.maxBytes) {
      this.exceeded = true;
      callback(new Error('request body over the size limit'));
      return;
    }
    callback(null, chunk);
  }
}
