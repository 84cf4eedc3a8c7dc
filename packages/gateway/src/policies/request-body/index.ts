import type { RouteStageModule } from '../../pipeline/policy.js';
import { createBodyLimitPolicy } from './body-limit-policy.js';

/** Configured routes: a declared length over the cap is refused before a byte is read (see limit-body-stream.ts for streamed bodies). */
export const requestBodyStage: RouteStageModule<'request-body', { readonly maxBodyBytes: number }, unknown> = {
  name: 'request-body',
  scope: 'route',
  summary: 'body cap per route, declared or streamed',
  emits: ['payload_too_large'],
  settingsOf: (route) => (route.config === undefined ? undefined : { maxBodyBytes: route.maxBodyBytes }),
  codes: () => ['payload_too_large'],
  create: ({ maxBodyBytes }) => createBodyLimitPolicy(maxBodyBytes),
};
