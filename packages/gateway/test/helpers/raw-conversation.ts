import { connect, type Socket } from 'node:net';

/**
 * A raw TCP conversation with a server, for exchanges a one-shot send cannot express: wait for the
 * `100 Continue` before sending the body, or go away halfway through an upload.
 */
export class RawConversation {
  private received = '';
  private waiters: { text: string; resolve: () => void }[] = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.received += chunk;
      this.waiters = this.waiters.filter((waiter) => {
        if (!this.received.includes(waiter.text)) return true;
        waiter.resolve();
        return false;
      });
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static open(url: string): Promise<RawConversation> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname);
      socket.once('error', reject);
      socket.once('connect', () => resolve(new RawConversation(socket)));
    });
  }

  /** Everything the server sent so far. */
  get text(): string {
    return this.received;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves once the server has sent `text` (or rejects when the connection closes first). */
  waitFor(text: string): Promise<void> {
    if (this.received.includes(text)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ text, resolve });
      void this.closed.then(() => {
        if (!this.received.includes(text)) reject(new Error(`connection closed before ${JSON.stringify(text)}; got ${JSON.stringify(this.received)}`));
      });
    });
  }

  /** Resets the connection, as a client that goes away does. */
  reset(): void {
    this.socket.resetAndDestroy();
  }
}
