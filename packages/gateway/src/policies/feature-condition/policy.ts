import type { FeatureCondition, PlanConfig } from '../../config/config-types.js';
import { portierError } from '../../errors/portier-error.js';
import type { Decision, Policy } from '../../pipeline/policy.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import { readRequestBody } from '../request-body/read-request-body.js';
import { parseJsonText } from '../request-validation/parse-json-text.js';
import { matchesCondition } from './matches-condition.js';

export interface FeatureConditionSettings {
  /** The feature the route needs when the body matches. */
  readonly feature: string;
  readonly when: FeatureCondition;
  readonly plans: Readonly<Record<string, PlanConfig>>;
  /** The route's body cap and nesting cap (`validation.maxDepth`, else 64): the body is read as validation reads it. */
  readonly maxBodyBytes: number;
  readonly maxDepth: number;
}

/**
 * A feature needed only by some bodies (`featureWhen`): an account whose plan lacks it is refused
 * when its body matches the condition. Only then is the body read, onto `ctx.body`, for the stages
 * after it and the upstream.
 */
export function createFeatureConditionPolicy(settings: FeatureConditionSettings): Policy {
  const { feature, when, plans, maxBodyBytes, maxDepth } = settings;

  async function checkBody(ctx: RequestContext, plan: string): Promise<Decision> {
    const tooLarge = await readRequestBody(ctx, maxBodyBytes);
    if (tooLarge !== undefined) return tooLarge;
    // An empty body holds no condition; anything else must be JSON.
    const body = ctx.body ?? Buffer.alloc(0);
    if (body.length === 0) return undefined;
    const parsed = parseJsonText(body, maxDepth);
    if (!('value' in parsed)) return parsed;
    return matchesCondition(parsed.value, when) ? portierError('feature_not_in_plan', { plan, feature }) : undefined;
  }

  return {
    name: 'feature-condition',
    handle: function checkFeatureCondition(ctx: RequestContext): Decision | Promise<Decision> {
      const account = ctx.auth?.account;
      if (account === undefined) return undefined;
      // A plan with the feature never needs the body read: it is streamed to the upstream as it comes.
      if (plans[account.plan]?.features.includes(feature) === true) return undefined;
      return checkBody(ctx, account.plan);
    },
  };
}
