import type { ServerResponse } from 'node:http';

type AbortListener = () => void;

const signalOf = Symbol('portier.clientGoneSignal');

interface WatchedResponse extends ServerResponse {
  [signalOf]?: ClientGoneSignal | undefined;
}

/** One shared handler for every response: no closure is allocated per request. */
function onResponseClose(this: WatchedResponse): void {
  const signal = this[signalOf];
  if (signal !== undefined && !this.writableFinished) signal.abort();
}

/**
 * Tells undici to abort the upstream call when the client goes away before the response is complete.
 * undici accepts any object shaped like an EventTarget with `aborted` as a signal; this one holds a
 * single listener, far cheaper per request than an AbortController or an EventEmitter.
 */
export class ClientGoneSignal {
  aborted = false;
  reason: unknown = undefined;
  private listener: AbortListener | undefined = undefined;

  constructor(private readonly res: WatchedResponse) {
    res[signalOf] = this;
    res.on('close', onResponseClose);
  }

  addEventListener(_type: 'abort', listener: AbortListener): void {
    this.listener = listener;
  }

  removeEventListener(_type: 'abort', listener: AbortListener): void {
    if (this.listener === listener) this.listener = undefined;
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = new Error('the client closed the connection');
    this.listener?.();
  }

  /** Stops watching the client once the exchange is over. */
  release(): void {
    this.res[signalOf] = undefined;
    this.res.off('close', onResponseClose);
  }
}
