import { Type } from '@sinclair/typebox';

/** Route `maxBodyBytes`. */
export const routeMaxBodyBytesSchema = Type.Integer({
  minimum: 0,
  maximum: 1073741824,
  description: 'Largest request body accepted on this route (413 above). Default: `server.maxBodyBytes`.',
});
