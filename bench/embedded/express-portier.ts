// Express 5 + portier/express: the key, the two windows and Portier's defaults in one middleware.
//   node --import tsx bench/embedded/express-portier.ts <port> <sqlite path> [dist folder, or - for portier/express's] [lean]
// `lean`: the access log and usage metering off (embeddedConfig), the glued pair's work and no more.
// The dist folder, as for fastify-portier.ts: the build the middleware is loaded from instead of portier/express's.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import express from 'express';
import type * as portierExpress from 'portier/express';
import { answer, embeddedConfig } from './config.js';

const [portText = '0', sqlitePath = './portier.db', distArgument, variant] = process.argv.slice(2);
const dist = distArgument === '-' ? undefined : distArgument;
const { createPortier } = (await import(dist === undefined ? 'portier/express' : pathToFileURL(resolve(dist, 'embed/express/index.js')).href)) as typeof portierExpress;
const portier = createPortier(embeddedConfig(sqlitePath, variant === 'lean'));
const app = express();
app.use(portier.middleware);
app.get('/v1/limited/:base/rows', (_req, res) => {
  res.json(answer);
});
app.use(portier.errorHandler);
const server = app.listen(Number(portText), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : ''}\n`);
});
server.keepAliveTimeout = 60_000;
