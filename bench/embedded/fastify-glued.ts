// Fastify 5 glued by hand: the hashed-key check in an onRequest hook, then @fastify/rate-limit
// registered twice (one limiter per window, by key; each registration has its own store and hook),
// for the same job as fastify-portier.ts.
//   node --import tsx bench/embedded/fastify-glued.ts <port> <keys file>
import Fastify, { type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { answer } from './config.js';
import { loadHashedKeys, unauthorized } from './hashed-keys.js';

const [portText = '0', keysFile = 'keys.txt'] = process.argv.slice(2);
const check = loadHashedKeys(keysFile);
const keyOf = (request: FastifyRequest): string => (request as FastifyRequest & { apiKey: string }).apiKey;

const app = Fastify({ logger: false, keepAliveTimeout: 60_000 });
app.decorateRequest('apiKey', '');
app.addHook('onRequest', async (request, reply) => {
  const key = check(request.headers.authorization);
  if (key === undefined) return reply.code(401).send(unauthorized);
  (request as FastifyRequest & { apiKey: string }).apiKey = key;
  return undefined;
});
// Its in-memory store keeps 5,000 keys by default (an LRU): room for all 10,000, or it would forget counts.
await app.register(rateLimit, { max: 100, timeWindow: 1000, keyGenerator: keyOf, cache: 20_000 });
await app.register(rateLimit, { max: 10_000, timeWindow: 3_600_000, keyGenerator: keyOf, cache: 20_000 });
app.get('/v1/limited/:base/rows', async () => answer);
const address = await app.listen({ port: Number(portText), host: '127.0.0.1' });
process.stdout.write(`listening ${new URL(address).port}\n`);
