import { portierError } from '../../errors/portier-error.js';
import type { RequestStageModule } from '../../pipeline/policy.js';
import { resolveRequestTarget } from './resolve-request-target.js';

/**
 * Normalizes the request target once: from here on every stage (routing, validation, idempotency,
 * the proxy) reads the same path, so the path the router matched is the path forwarded.
 */
export const requestTargetStage: RequestStageModule<'request-target', true, unknown> = {
  name: 'request-target',
  scope: 'request',
  summary: 'absolute form reduced to its path; encoded slashes, backslashes, NUL and dot segments refused (see `docs/edge.md`); the normalized target is the one matched and forwarded',
  emits: ['invalid_request_target'],
  settingsOf: () => true,
  codes: () => ['invalid_request_target'],
  create() {
    return {
      name: 'request-target',
      handle: function normalizeTarget(ctx) {
        const { req } = ctx;
        const sent = req.url ?? '/';
        const target = resolveRequestTarget(sent);
        if (target === undefined) {
          // The path as sent, without its query string (where keys travel): it is logged, kept in the
          // dashboard's ring and in usage's recent errors.
          const queryAt = sent.indexOf('?');
          ctx.path = (queryAt === -1 ? sent : sent.slice(0, queryAt)).slice(0, 200);
          return portierError('invalid_request_target', {});
        }
        ctx.path = target.path;
        req.url = target.path + target.query;
        return undefined;
      },
    };
  },
};
