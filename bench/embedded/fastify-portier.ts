// Fastify 5 + portier/fastify: the key, the two windows and Portier's defaults in one plugin.
//   node --import tsx bench/embedded/fastify-portier.ts <port> <sqlite path> [dist folder, or - for portier/fastify's] [lean]
// `lean`: the access log and usage metering off (embeddedConfig), the glued pair's work and no more.
// The dist folder (e.g. packages/gateway/dist-base, a copy of packages/gateway/dist taken before a
// change) is the build the plugin is loaded from instead of portier/fastify's: an A/B of two builds.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import type * as portierFastify from 'portier/fastify';
import { answer, embeddedConfig } from './config.js';

const [portText = '0', sqlitePath = './portier.db', distArgument, variant] = process.argv.slice(2);
const dist = distArgument === '-' ? undefined : distArgument;
const { portierPlugin } = (await import(dist === undefined ? 'portier/fastify' : pathToFileURL(resolve(dist, 'embed/fastify/index.js')).href)) as typeof portierFastify;
const app = Fastify({ logger: false, keepAliveTimeout: 60_000 });
await app.register(portierPlugin, { config: embeddedConfig(sqlitePath, variant === 'lean') });
app.get('/v1/limited/:base/rows', async () => answer);
const address = await app.listen({ port: Number(portText), host: '127.0.0.1' });
process.stdout.write(`listening ${new URL(address).port}\n`);
