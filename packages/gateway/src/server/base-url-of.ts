import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The base URL (`http://host:port`) of a listening server, an IPv6 address in brackets. */
export function baseUrlOf(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
