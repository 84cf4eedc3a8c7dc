import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A port held by a listening socket of ours until `release()`, so no other process can take it. */
export interface ReservedPort {
  readonly port: number;
  release(): Promise<void>;
}

function listenOn(port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(server));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function reserved(server: Server): ReservedPort {
  return { port: (server.address() as AddressInfo).port, release: () => closeServer(server) };
}

/** A port from `listen(0)`, kept reserved until `release()`. */
export async function reservePort(): Promise<ReservedPort> {
  return reserved(await listenOn(0));
}

/**
 * Two ports `offset` apart, both reserved (a Redis Cluster node listens on its port and on port + 10000
 * for its bus).
 */
export async function reservePortPair(offset: number): Promise<[ReservedPort, ReservedPort]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await reservePort();
    if (first.port + offset <= 65_535) {
      const second = await listenOn(first.port + offset).then(reserved, () => undefined);
      if (second !== undefined) return [first, second];
    }
    await first.release();
  }
  throw new Error(`no two free ports ${offset} apart in 50 attempts`);
}

/** What a server start reports when another process took its port first. */
export const addressInUse = Symbol('address in use');

/**
 * Starts a server that must be told its port in advance (redis-server, PostgreSQL): the port stays
 * reserved until the moment before `start`, and when another process took it in that gap, `start`
 * returns `addressInUse` and a fresh port is tried. Any other failure is `start`'s to throw.
 */
export async function startOnReservedPort<T>(
  reserve: () => Promise<readonly ReservedPort[]>,
  start: (ports: readonly number[]) => Promise<T | typeof addressInUse>,
  attempts = 5,
): Promise<T> {
  const tried: number[][] = [];
  for (let attempt = 0; attempt < attempts; attempt++) {
    const held = await reserve();
    const ports = held.map((port) => port.port);
    await Promise.all(held.map((port) => port.release()));
    const started = await start(ports);
    if (started !== addressInUse) return started;
    tried.push(ports);
  }
  throw new Error(`the server found its port taken on every attempt: ${JSON.stringify(tried)}`);
}

/** A port where connections are refused, reserved until `release()`. */
export interface RefusingPort {
  readonly port: number;
  release(): Promise<void>;
}

/**
 * A port that refuses connections for as long as the test holds it: the local end of an open loopback
 * connection. Nothing listens on it, and no other process can bind it while the connection is open
 * (unlike a port of a closed server, which anyone may take before the test connects to it).
 */
export async function refusingPort(): Promise<RefusingPort> {
  const accepted: Socket[] = [];
  const server = createServer((socket) => accepted.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: serverPort } = server.address() as AddressInfo;
  const client = connect(serverPort, '127.0.0.1');
  await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  const port = client.localPort;
  if (port === undefined) throw new Error('the holding connection has no local port');
  return {
    port,
    release: async () => {
      client.destroy();
      for (const socket of accepted) socket.destroy();
      await closeServer(server);
    },
  };
}
