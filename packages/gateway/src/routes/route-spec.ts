import type { HttpMethod, RouteAuthConfig, RouteConfig } from '../config/config-types.js';

/** How the key stages apply to a built-in route that needs a key. */
export interface KeyedChecks {
  /** Whether a short-lived access token may stand in for the key (not where keys or tokens are made). */
  readonly acceptTokens: boolean;
  /** Whether the plan (trial, features) is checked. */
  readonly plan: boolean;
  /** Whether the request counts against the plan's limits, like any API call. */
  readonly limits: boolean;
}

/**
 * A route as the stages see it at boot, configured or built in: each stage reads what it needs from
 * here (its settings) and is left out of the route when there is nothing for it to do.
 */
export interface RouteSpec {
  readonly id: string;
  readonly path: string;
  readonly methods: readonly HttpMethod[];
  /** The configured route; undefined for a built-in one. */
  readonly config: RouteConfig | undefined;
  /** The key a caller must (or may) present: the route's `auth`, or a built-in route's. */
  readonly auth: RouteAuthConfig | undefined;
  /** Built-in routes that need a key: which key stages run. Undefined for configured routes. */
  readonly keyed: KeyedChecks | undefined;
  /** Largest body read or forwarded. */
  readonly maxBodyBytes: number;
  /** Headers every answer of the route carries, errors included (a page's CSP), as flat name/value pairs. */
  readonly answerHeaders?: readonly string[];
}
