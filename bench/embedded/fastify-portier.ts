// Fastify 5 + portier/fastify: the key, the two windows and Portier's defaults in one plugin.
//   node --import tsx bench/embedded/fastify-portier.ts <port> <sqlite path>
import Fastify from 'fastify';
import { portierPlugin } from 'portier/fastify';
import { answer, embeddedConfig } from './config.js';

const [portText = '0', sqlitePath = './portier.db'] = process.argv.slice(2);
const app = Fastify({ logger: false, keepAliveTimeout: 60_000 });
await app.register(portierPlugin, { config: embeddedConfig(sqlitePath) });
app.get('/v1/limited/:base/rows', async () => answer);
const address = await app.listen({ port: Number(portText), host: '127.0.0.1' });
process.stdout.write(`listening ${new URL(address).port}\n`);
