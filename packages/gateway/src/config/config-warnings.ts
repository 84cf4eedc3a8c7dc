import type { PortierConfig } from './config-types.js';
import { formatKeyPath } from './config-problem.js';

/** Something allowed but risky in a config: `config check` prints it and still succeeds. */
export interface ConfigWarning {
  /** Key path in the document, e.g. `routes[3].async.forwardCredentials`. */
  readonly path: string;
  readonly message: string;
}

/** The risky settings a valid config has, in document order. */
export function configWarnings(config: PortierConfig): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  config.routes.forEach((route, index) => {
    if (route.async?.forwardCredentials === true) {
      warnings.push({
        path: formatKeyPath(['routes', index, 'async', 'forwardCredentials']),
        message: `route "${route.id}" queues its callers' credentials and cookies: they stay in the operation queue in plain text for ${config.operations.retention} (operations.retention)`,
      });
    }
  });
  return warnings;
}

/** One warning as `config check` prints it. */
export function formatConfigWarning(file: string, warning: ConfigWarning): string {
  return `warning: ${file} ${warning.path}: ${warning.message}`;
}
