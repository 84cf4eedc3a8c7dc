import type { HttpMethod, RouteConfig } from '../config/config-types.js';
import type { EnvelopeRenderer } from '../envelopes/envelope-renderer.js';
import type { Policy, Terminal } from './policy.js';

/** A route with everything resolved at boot: its policies in stage order, terminal and renderer. */
export interface CompiledRoute {
  readonly id: string;
  readonly path: string;
  readonly methods: readonly HttpMethod[];
  /** The configured route; undefined for built-in routes (health check, token exchange). */
  readonly config: RouteConfig | undefined;
  readonly maxBodyBytes: number;
  readonly renderer: EnvelopeRenderer;
  readonly policies: readonly Policy[];
  readonly terminal: Terminal;
}
