import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { LineCounter, parseDocument } from 'yaml';
import { formatKeyPath, type ConfigProblem } from '../config/config-problem.js';
import type { PortierConfig } from '../config/config-types.js';
import { YamlLocator } from '../config/yaml-locator.js';

/** A setting the running gateway cannot take on: where it is, and what of the config it is. */
interface RestartOnly {
  readonly path: readonly string[];
  readonly value: (config: PortierConfig) => unknown;
  readonly why: string;
}

const setting = (path: readonly string[], why: string): RestartOnly => ({
  path,
  why,
  value: (config) => path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config),
});

/**
 * The settings a reload cannot change (docs/operations.md, "What needs a restart"): the listeners, the
 * log, and where each store lives, including whether it is opened at all. A reload that changes one is
 * refused whole, never half-applied.
 */
export const restartOnlySettings: readonly RestartOnly[] = [
  setting(['server', 'host'], 'the listener is bound to it'),
  setting(['server', 'port'], 'the listener is bound to it'),
  setting(['server', 'maxHeaderBytes'], 'the listener was created with it'),
  setting(['server', 'headersTimeoutMs'], 'the listener was created with it'),
  setting(['server', 'requestTimeoutMs'], 'the listener was created with it'),
  setting(['server', 'keepAliveTimeoutMs'], 'the listener was created with it'),
  setting(['admin'], 'the admin listener and its token are set at start'),
  setting(['log'], 'the logger is created at start'),
  setting(['tracing'], 'the tracer and its exporter are created at start'),
  { path: ['auth'], why: 'adding or removing `auth` opens or closes the account store', value: (config) => config.auth !== undefined },
  setting(['auth', 'store'], 'the account store is opened at start'),
  setting(['auth', 'keyCache'], 'the key cache is created at start'),
  setting(['rateLimits', 'redis'], 'the rate-limit store is opened at start'),
  setting(['rateLimits', 'sqlitePath'], 'counter snapshots are opened at start'),
  setting(['rateLimits', 'maxTrackedCounters'], 'the in-process counters are created at start'),
  setting(['idempotency'], 'the idempotency store is opened at start'),
  {
    path: ['routes'],
    why: 'the first (or last) route with `idempotency` opens (or closes) the idempotency store',
    value: (config) => config.routes.some((route) => route.idempotency !== undefined),
  },
  setting(['operations', 'sqlitePath'], 'the operation queue is opened at start'),
  setting(['operations', 'postgres'], 'the operation queue is opened at start'),
  setting(['usage'], 'usage metering, its store and its flush timer are set up at start'),
  {
    path: ['routes'],
    why: 'the first (or last) `async` route opens (or closes) the operation queue and its worker',
    value: (config) => config.routes.some((route) => route.async !== undefined),
  },
];

/**
 * What keeps `next` from replacing `running` without a restart, one problem per setting, each placed at
 * its line in `file` (the file `next` was loaded from, when there is one).
 */
export function restartOnlyProblems(running: PortierConfig, next: PortierConfig, file: string | undefined): ConfigProblem[] {
  const changed = restartOnlySettings.filter((rule) => !isDeepStrictEqual(rule.value(running), rule.value(next)));
  if (changed.length === 0) return [];
  const locator = file === undefined ? undefined : locatorOf(file);
  return changed.map((rule) => {
    const at = locator?.locate(rule.path) ?? { line: 0, column: 0 };
    return {
      file: file ?? '',
      ...at,
      path: formatKeyPath(rule.path),
      message: `cannot change while the gateway runs (${rule.why}): restart the gateway to apply it; nothing of this reload was applied`,
    };
  });
}

function locatorOf(file: string): YamlLocator | undefined {
  try {
    const lines = new LineCounter();
    return new YamlLocator(parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines }), lines);
  } catch {
    return undefined;
  }
}
