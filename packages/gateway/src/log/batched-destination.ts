import { writeSync } from 'node:fs';
import type { DestinationStream } from 'pino';

/** What the batch is handed to: pino's destination (SonicBoom), which writes it to the file descriptor. */
export interface BatchTarget extends DestinationStream {
  flush(callback?: (error?: Error) => void): void;
  flushSync(): void;
}

/** Every batch not yet handed over when the process exits (see `BatchedDestination`). */
const live = new Set<BatchedDestination>();
let exitHooked = false;

/**
 * Log lines gathered in an array and handed to the destination as one string per `batchLength`
 * characters (and on `flush`). SonicBoom appends each write to its pending string and measures that
 * string's UTF-8 length on every call: a write per line costs a copy and a scan of everything still
 * waiting (the biggest share of the access log's instructions per request, in callgrind). Here a line
 * costs an array push; the join and SonicBoom's measuring happen once per batch. Lines keep their order
 * (every line, the access log's and pino's, goes through the same batch). What is still here at exit is
 * handed over, or written directly once the destination is closed.
 */
export class BatchedDestination implements DestinationStream {
  private pending: string[] = [];
  private pendingLength = 0;

  constructor(
    private readonly target: BatchTarget,
    private readonly batchLength: number,
    /** The file descriptor the target writes to (for the write at exit after the target closed). */
    private readonly fd: number,
  ) {
    live.add(this);
    if (!exitHooked) {
      exitHooked = true;
      // pino flushes its destination synchronously at exit too; whichever runs first, the batch is
      // handed over and flushed here.
      process.on('exit', () => {
        for (const batch of live) batch.handOverAtExit();
      });
    }
  }

  write(line: string): boolean {
    this.pending.push(line);
    this.pendingLength += line.length;
    if (this.pendingLength >= this.batchLength) this.handOver();
    return true;
  }

  /** Hands what is gathered to the target and asks it to write it (pino's `logger.flush` calls this). */
  flush(callback?: (error?: Error) => void): void {
    this.handOver();
    this.target.flush(callback);
  }

  /** Writes everything, gathered and buffered, before returning. */
  flushSync(): void {
    this.handOver();
    this.target.flushSync();
  }

  private take(): string {
    const chunk = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    this.pending = [];
    this.pendingLength = 0;
    return chunk;
  }

  private handOver(): void {
    if (this.pending.length > 0) this.target.write(this.take());
  }

  private handOverAtExit(): void {
    if (this.pending.length === 0) return;
    const chunk = this.take();
    try {
      this.target.write(chunk);
      this.target.flushSync();
    } catch {
      // The target was ended by its own exit handler already: what it held is out, so this comes after it.
      try {
        writeSync(this.fd, chunk);
      } catch {
        // Nowhere left to write to (a closed stdout).
      }
    }
  }
}
