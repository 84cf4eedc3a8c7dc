import { describe, expect, it } from 'vitest';
import { connect, createServer } from 'node:net';
import { addressInUse, refusingPort, reservePort, startOnReservedPort } from './helpers/ports.js';

function connectCode(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
  });
}

function listenCode(port: number): Promise<string> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve('listening')));
  });
}

describe('test helper ports', () => {
  it('refusingPort: refuses connections, and no one else can listen on it while it is held', async () => {
    const held = await refusingPort();
    try {
      expect(await connectCode(held.port)).toBe('ECONNREFUSED');
      expect(await listenCode(held.port)).toBe('EADDRINUSE');
    } finally {
      await held.release();
    }
  });

  it('reservePort: no one else can listen on the port while it is held', async () => {
    const reserved = await reservePort();
    try {
      expect(await listenCode(reserved.port)).toBe('EADDRINUSE');
    } finally {
      await reserved.release();
    }
  });

  it('startOnReservedPort: tries a fresh port when the start finds its port taken, and gives up after the attempts', async () => {
    const tried: number[] = [];
    const started = await startOnReservedPort(
      async () => [await reservePort()],
      ([port]) => {
        tried.push(port as number);
        return Promise.resolve(tried.length < 3 ? addressInUse : `started on ${String(port)}`);
      },
    );
    expect(tried).toHaveLength(3);
    expect(started).toBe(`started on ${String(tried[2])}`);
    await expect(startOnReservedPort(async () => [await reservePort()], () => Promise.resolve(addressInUse), 2)).rejects.toThrow(/port taken on every attempt/);
  });
});
