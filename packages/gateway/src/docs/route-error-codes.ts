import type { PortierConfig, RouteConfig } from '../config/config-types.js';
import type { ErrorCode } from '../errors/catalog.js';
import { builtInSpec, configuredSpec, stagesOfRoute } from '../pipeline/compile-routes.js';
import type { AnyStageModule } from '../pipeline/policy.js';
import { requestStages, routeStages } from '../policies/lifecycle.js';
import type { RouteSpec } from '../routes/route-spec.js';
import type { BuiltInRoute } from '../routes/built-in-routes.js';
import { clientErrorCodes } from '../server/answer-client-error.js';
import { builtInAnswerCodes } from '../server/built-in-answers.js';

/**
 * The catalog codes a configured route can answer with: what the server and the request stages can
 * answer any request with, then the codes of each stage the route runs, under its settings. Derived
 * from the lifecycle, so that a stage added there documents itself.
 */
export function errorCodesOfRoute(route: RouteConfig, config: PortierConfig): ErrorCode[] {
  return errorCodesOfSpec(configuredSpec(route, config), config, []);
}

/** The same for a built-in route: the stages it runs, then what its own answer can refuse with. */
export function errorCodesOfBuiltIn(route: BuiltInRoute, config: PortierConfig): ErrorCode[] {
  return errorCodesOfSpec(builtInSpec(route), config, builtInAnswerCodes[route.id](config));
}

function errorCodesOfSpec(spec: RouteSpec, config: PortierConfig, answerCodes: readonly ErrorCode[]): ErrorCode[] {
  const codes = new Set<ErrorCode>(clientErrorCodes);
  const add = (stage: AnyStageModule, settings: unknown): void => {
    if (settings !== undefined) for (const code of stage.codes(settings, config)) codes.add(code);
  };
  for (const stage of requestStages) add(stage, stage.settingsOf(config));
  for (const { stage, settings } of stagesOfRoute(spec, config, routeStages)) add(stage, settings);
  for (const code of answerCodes) codes.add(code);
  // The gateway's own failure, whatever the route.
  codes.add('internal_error');
  return [...codes];
}
