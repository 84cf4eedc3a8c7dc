// Express 5 + portier/express: the key, the two windows and Portier's defaults in one middleware.
//   node --import tsx bench/embedded/express-portier.ts <port> <sqlite path>
import express from 'express';
import { createPortier } from 'portier/express';
import { answer, embeddedConfig } from './config.js';

const [portText = '0', sqlitePath = './portier.db'] = process.argv.slice(2);
const portier = createPortier(embeddedConfig(sqlitePath));
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
