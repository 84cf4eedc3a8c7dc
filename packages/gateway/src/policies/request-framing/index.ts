import type { RequestStageModule } from '../../pipeline/policy.js';
import { expectsContinue } from '../request-body/expect-continue.js';
import { checkRequestFraming } from './check-request-framing.js';

/** Host, Transfer-Encoding and Expect, checked before routing; a client waiting on `100-continue` is noted, not yet answered. */
export const requestFramingStage: RequestStageModule<'request-framing', true, unknown> = {
  name: 'request-framing',
  scope: 'request',
  summary: 'exactly one `Host` on HTTP/1.1; no `Transfer-Encoding` but `chunked`; `Expect: 100-continue` answered only once the body is wanted, any other `Expect` refused',
  emits: ['bad_request', 'expectation_failed'],
  settingsOf: () => true,
  codes: () => ['bad_request', 'expectation_failed'],
  create() {
    return {
      name: 'request-framing',
      handle: function checkFraming(ctx) {
        const refusal = checkRequestFraming(ctx.req);
        if (refusal !== undefined) return refusal;
        ctx.continuePending = expectsContinue(ctx.req);
        return undefined;
      },
    };
  },
};
