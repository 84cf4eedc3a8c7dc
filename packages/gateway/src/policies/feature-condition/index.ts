import type { RouteStageModule } from '../../pipeline/policy.js';
import { createFeatureConditionPolicy, type FeatureConditionSettings } from './policy.js';

export const featureConditionStage: RouteStageModule<'feature-condition', FeatureConditionSettings, unknown> = {
  name: 'feature-condition',
  scope: 'route',
  summary: 'a plan feature needed only when the body matches `auth.featureWhen`: the body is read (under the route\'s cap) for accounts whose plan lacks it',
  emits: ['feature_not_in_plan', 'payload_too_large', 'invalid_json'],
  settingsOf(route, config) {
    const auth = route.auth;
    if (auth?.feature === undefined || auth.featureWhen === undefined || route.keyed?.plan === false) return undefined;
    return {
      feature: auth.feature,
      when: auth.featureWhen,
      plans: config.plans,
      maxBodyBytes: route.maxBodyBytes,
      maxDepth: route.config?.validation?.maxDepth ?? 64,
    };
  },
  codes: () => ['feature_not_in_plan', 'payload_too_large', 'invalid_json'],
  checkRoute(route, index, _config, report) {
    if (route.auth?.featureWhen !== undefined && route.auth.feature === undefined) report(['routes', index, 'auth', 'featureWhen'], 'featureWhen needs a `feature` to require');
  },
  create: (settings) => createFeatureConditionPolicy(settings),
};
