import { stringify } from 'yaml';
import { formatConfigProblem, type ConfigProblem } from '../config/config-problem.js';
import type { PortierConfig } from '../config/config-types.js';
import { loadConfigFile, parseConfig } from '../config-loader/load-config.js';

/** A Portier config for an app: the path of a `portier.yaml`, or an object with the same schema. */
export type EmbeddedConfigSource = string | Readonly<Record<string, unknown>>;

/** The config was refused: every problem, with where it is, as `portier config check` lists them. */
export class PortierConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`invalid Portier config:\n${problems.map(formatConfigProblem).join('\n')}`);
    this.name = 'PortierConfigError';
  }
}

/**
 * Loads a config the way the gateway does: the same schema, defaults, `${VAR}` expansion and rules
 * across fields. An object goes through the same loader as a file (as YAML text), so that it is
 * validated, defaulted and frozen exactly alike; its problems name `<config object>` and the key path.
 */
export function loadEmbeddedConfig(source: EmbeddedConfigSource, env: NodeJS.ProcessEnv = process.env): PortierConfig {
  const result = typeof source === 'string' ? loadConfigFile(source, env) : parseConfig(stringify(source), '<config object>', env);
  if (!result.ok) throw new PortierConfigError(result.problems);
  return result.config;
}
