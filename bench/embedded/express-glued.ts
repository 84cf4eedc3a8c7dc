// Express 5 glued by hand: the hashed-key check, then express-rate-limit twice (one limiter per
// window, by key, draft-8 RateLimit headers), for the same job as express-portier.ts.
//   node --import tsx bench/embedded/express-glued.ts <port> <keys file>
import express, { type Request } from 'express';
import { rateLimit } from 'express-rate-limit';
import { answer } from './config.js';
import { loadHashedKeys, unauthorized } from './hashed-keys.js';

const [portText = '0', keysFile = 'keys.txt'] = process.argv.slice(2);
const check = loadHashedKeys(keysFile);
const keyOf = (req: Request): string => (req as Request & { apiKey: string }).apiKey;
const tooMany = { error: 'rate_limited', message: 'too many requests' };

const app = express();
app.use((req, res, next) => {
  const key = check(req.headers.authorization);
  if (key === undefined) {
    res.status(401).json(unauthorized);
    return;
  }
  (req as Request & { apiKey: string }).apiKey = key;
  next();
});
app.use(rateLimit({ windowMs: 1000, limit: 100, keyGenerator: keyOf, standardHeaders: 'draft-8', legacyHeaders: false, identifier: 'second', message: tooMany }));
app.use(rateLimit({ windowMs: 3_600_000, limit: 10_000, keyGenerator: keyOf, standardHeaders: 'draft-8', legacyHeaders: false, identifier: 'hour', message: tooMany }));
app.get('/v1/limited/:base/rows', (_req, res) => {
  res.json(answer);
});
const server = app.listen(Number(portText), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : ''}\n`);
});
server.keepAliveTimeout = 60_000;
