import { Type } from '@sinclair/typebox';

/** Route `app`: the route is answered by the application Portier is embedded in, not by an upstream. */
export const routeAppSchema = Type.Literal(true, {
  description:
    'The route is answered by the app Portier runs inside (`portier/express`, `portier/fastify`, `portier/hono`), in place of an upstream: once every stage has passed, the app\'s own handler for the request runs and its response goes to the caller. Set either `upstream` or `app`; `portier start` refuses a config with app routes.',
});
