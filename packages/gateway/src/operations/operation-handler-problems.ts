import type { ConfigProblem } from '../config/config-problem.js';
import type { PortierConfig } from '../config/config-types.js';
import type { OperationHandlers } from './operation-handler.js';

/**
 * What is wrong between a config and the operation handlers an app registered: an async app route
 * (`app: true` + `async`) with no handler would queue work nothing can do, and a handler for a route
 * that is not one is a typo or a stale route. Checked when the embedded Portier opens and on reload.
 */
export function operationHandlerProblems(config: PortierConfig, handlers: OperationHandlers, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const report = (path: string, message: string): void => void problems.push({ file, line: 0, column: 0, path, message });
  config.routes.forEach((route, index) => {
    if (route.app === true && route.async !== undefined && !Object.hasOwn(handlers, route.id)) {
      report(`routes[${index}].async`, `route "${route.id}" is async and answered by the app: register its work in the adapter's \`operations\` option (\`operations: { '${route.id}': async (job) => ({ status: 200, body }) }\`)`);
    }
  });
  for (const routeId of Object.keys(handlers)) {
    const index = config.routes.findIndex((route) => route.id === routeId);
    const route = config.routes[index];
    if (route === undefined) report('', `an operation handler is registered for route "${routeId}", which the config does not have`);
    else if (route.app !== true || route.async === undefined) {
      report(`routes[${index}]`, `an operation handler is registered for route "${routeId}", which is not an async app route (\`app: true\` with \`async\`)`);
    }
  }
  return problems;
}
