import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** What a misbehaving upstream does once it has read a request head; `path` is the request's target. */
export type RawBehaviour = (socket: Socket, path: string) => void;

export interface RawUpstream {
  readonly url: string;
  /** Request targets received, in order. */
  readonly seen: string[];
  close(): Promise<void>;
}

/**
 * A TCP server that reads a request head and then does whatever `behave` says with the bare socket:
 * answer garbage, reset, hang, cut a body short. For upstream faults no HTTP server would commit.
 */
export function startRawUpstream(behave: RawBehaviour): Promise<RawUpstream> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      const path = head.split(' ')[1] ?? '';
      seen.push(path);
      behave(socket, path);
    };
    socket.on('data', onData);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        seen,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
