import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/**
 * Node's own request and response over an unconnected socket, for a unit test of code that only runs
 * under node:http (the embed handover): no server, nothing sent. Stages' tests use `policyContext()`.
 */
export function nodeExchange(shape: { method?: string; url?: string; headers?: Record<string, string> } = {}): { req: IncomingMessage; res: ServerResponse } {
  const req = new IncomingMessage(new Socket());
  req.method = shape.method ?? 'GET';
  req.url = shape.url ?? '/';
  req.headers = shape.headers ?? {};
  const res = new ServerResponse(req);
  return { req, res };
}
