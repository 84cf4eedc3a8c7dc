import type { PortierConfig } from '../../config/config-types.js';
import type { CompiledRoute } from '../../pipeline/compiled-route.js';
import { answered, type RequestStageModule } from '../../pipeline/policy.js';
import { single } from '../../pipeline/single-header.js';
import type { RouteTable } from '../../routes/route-table.js';
import { Cors } from './cors.js';

export interface CorsSettings {
  readonly cors: NonNullable<PortierConfig['cors']>;
  /** Correlation header name as sent to clients: exposed to scripts, and on the preflight answer. */
  readonly correlationHeader: string;
}

export interface CorsDeps {
  /** The route table, to answer a preflight with the methods its path accepts. */
  readonly routes: RouteTable<CompiledRoute>;
}

/**
 * Browser calls from other origins, when `cors` is configured. A preflight is answered here, 204 with
 * the methods the path accepts; a path nobody serves gets the requested method, so that the real
 * request reaches its catalogued 404 (which a script can read) instead of failing as a blocked
 * preflight. Every other answer to an allowed origin carries the CORS headers, errors included.
 */
export const corsStage: RequestStageModule<'cors', CorsSettings, CorsDeps> = {
  name: 'cors',
  scope: 'request',
  summary: 'with `cors`: preflights answered 204 with the methods the path accepts; every answer to an allowed origin, errors included, can be read by its script',
  emits: [],
  settingsOf: (config) => (config.cors === undefined ? undefined : { cors: config.cors, correlationHeader: config.correlation.header }),
  codes: () => [],
  checkConfig(config, report) {
    if (config.cors?.credentials === true && config.cors.origins.includes('*')) report(['cors', 'credentials'], 'browsers refuse credentials with the origin `*`: list the origins');
  },
  create({ cors, correlationHeader }, { routes }) {
    const policy = new Cors(cors, correlationHeader);
    return {
      name: 'cors',
      handle: function applyCors(ctx) {
        const { req } = ctx;
        const origin = single(req.headers.origin);
        const requested = single(req.headers['access-control-request-method']);
        if (origin !== undefined && req.method === 'OPTIONS' && requested !== undefined) {
          const methods = routes.allowedMethods(ctx.path) ?? requested;
          ctx.res.writeHead(204, [...policy.preflightHeaders(origin, methods), correlationHeader, ctx.correlationId]);
          ctx.res.end();
          return answered;
        }
        for (const item of policy.responseHeaders(origin)) ctx.responseHeaders.push(item);
        return undefined;
      },
    };
  },
};
