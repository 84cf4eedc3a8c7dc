// The peer a team would assemble instead: fastify 5 with @fastify/http-proxy and @fastify/rate-limit
// (per key, one window), a key check in an onRequest hook against a Map, a request id forwarded.
//   node --import tsx bench/fastify-peer.ts <upstream url> <port> <keys file> <limit per minute>
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import proxy from '@fastify/http-proxy';
import rateLimit from '@fastify/rate-limit';

const [upstream = 'http://127.0.0.1:3000', portText = '0', keysFile, limitText = '1000000000'] = process.argv.slice(2);
const accounts = new Map<string, string>();
if (keysFile !== undefined) readFileSync(keysFile, 'utf8').split('\n').filter(Boolean).forEach((key, index) => accounts.set(key, `acct_${Math.floor(index / 100)}`));

const app = Fastify({ logger: false, keepAliveTimeout: 60_000, requestIdHeader: 'x-request-id', genReqId: () => crypto.randomUUID() });
const keyOf = (authorization: string | undefined): string | undefined => (authorization?.startsWith('Bearer ') === true ? authorization.slice(7) : undefined);
app.addHook('onRequest', async (request, reply) => {
  const key = keyOf(request.headers.authorization);
  if (key === undefined || !accounts.has(key)) return reply.code(401).send({ error: 'unauthorized' });
  return undefined;
});
await app.register(rateLimit, { max: Number(limitText), timeWindow: 60_000, keyGenerator: (request) => keyOf(request.headers.authorization) ?? request.ip });
await app.register(proxy, {
  upstream,
  undici: { connections: 128 },
  replyOptions: { rewriteRequestHeaders: (request, headers) => ({ ...headers, 'x-request-id': request.id, authorization: undefined }) },
});
const address = await app.listen({ port: Number(portText), host: '127.0.0.1' });
process.stdout.write(`listening ${new URL(address).port}\n`);
