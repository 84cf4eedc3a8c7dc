import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { PortierConfig } from '../config/config-types.js';
import { portierError } from '../errors/portier-error.js';
import { resolveCorrelationId } from '../policies/correlation-id/resolve-correlation-id.js';
import { afterCompleteRequests, type SocketAnswer } from './answer-client-error.js';
import { single } from '../pipeline/single-header.js';

/**
 * Answers CONNECT (which Node hands to the 'connect' event with the bare socket, and closes silently
 * when nobody listens): the gateway is no forward proxy, so a catalogued 405 with an empty Allow
 * (RFC 9110 section 10.2.1: the target allows no method) and the connection closed, after the answers
 * to any requests pipelined before it.
 */
export function createConnectRefusal(config: PortierConfig, answer: SocketAnswer) {
  const correlationLower = config.correlation.header.toLowerCase();
  return function refuseConnect(req: IncomingMessage, socket: Duplex): void {
    socket.on('error', () => socket.destroy());
    const correlationId = resolveCorrelationId(single(req.headers[correlationLower]), single(req.headers.traceparent));
    afterCompleteRequests(socket, () => {
      if (!socket.writable) {
        socket.destroy();
        return;
      }
      answer(socket, portierError('connect_not_supported', {}, { headers: { Allow: '' } }), { method: 'CONNECT', correlationId });
    });
  };
}
