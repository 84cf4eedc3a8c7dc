import FindMyWay from 'find-my-way';
import type { HttpMethod } from '../config/config-types.js';

/** What a route table entry needs: its path pattern, methods and a payload handed back on a match. */
export interface RouteDefinition<T> {
  readonly path: string;
  readonly methods: readonly HttpMethod[];
  readonly target: T;
}

export type RouteMatch<T> =
  | { readonly kind: 'found'; readonly target: T; readonly params: Readonly<Record<string, string | undefined>> }
  | { readonly kind: 'method_not_allowed'; readonly allow: string }
  | { readonly kind: 'not_found' };

/** A route that could not be registered (conflicting or invalid pattern). */
export class RouteConflictError extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

const noop = (): void => undefined;
const notFound = { kind: 'not_found' } as const;

/**
 * Path-then-method matching with find-my-way. A second table keyed by path alone answers "which
 * methods exist here" so that a known path with the wrong method is 405 with an Allow header.
 */
export class RouteTable<T> {
  private readonly byMethod = FindMyWay({ ignoreTrailingSlash: false, caseSensitive: true, maxParamLength: 500 });
  private readonly byPath = FindMyWay({ ignoreTrailingSlash: false, caseSensitive: true, maxParamLength: 500 });
  private readonly allowByPattern = new Map<string, Set<string>>();
  /** Who registered each method and pattern first, to name it when another route wants the same. */
  private readonly owners = new Map<string, T>();

  constructor(definitions: readonly RouteDefinition<T>[]) {
    definitions.forEach((definition, index) => {
      for (const method of definition.methods) {
        const slot = `${method} ${normalizePattern(definition.path)}`;
        const owner = this.owners.get(slot);
        if (owner !== undefined) throw new RouteConflictError(index, `${method} ${definition.path} is already served by ${nameOf(owner)}`);
        this.owners.set(slot, definition.target);
        try {
          this.byMethod.on(method, definition.path, noop, { target: definition.target });
        } catch (error) {
          throw new RouteConflictError(index, `cannot register ${method} ${definition.path}: ${describe(error)}`);
        }
      }
      const allow = this.allowFor(definition.path, index);
      for (const method of definition.methods) allow.add(method);
      // HEAD is served wherever GET is (RFC 9110); say so in Allow.
      if (allow.has('GET')) allow.add('HEAD');
    });
  }

  /** The methods a path accepts, as an Allow value (`GET, HEAD, POST`), or undefined when no route has the path. */
  allowedMethods(path: string): string | undefined {
    const byPath = this.byPath.find('GET', path);
    return byPath === null ? undefined : (byPath.store as { allow: string }).allow;
  }

  /** Matches a path (without query string) and method. */
  match(method: string, path: string): RouteMatch<T> {
    const found = this.byMethod.find(method as HttpMethod, path);
    if (found !== null) {
      const store = found.store as { target: T };
      return { kind: 'found', target: store.target, params: found.params };
    }
    if (method === 'HEAD') {
      const asGet = this.byMethod.find('GET', path);
      if (asGet !== null) return { kind: 'found', target: (asGet.store as { target: T }).target, params: asGet.params };
    }
    const allow = this.allowedMethods(path);
    return allow === undefined ? notFound : { kind: 'method_not_allowed', allow };
  }

  private allowFor(path: string, index: number): Set<string> {
    const key = normalizePattern(path);
    let allow = this.allowByPattern.get(key);
    if (allow === undefined) {
      allow = new Set();
      this.allowByPattern.set(key, allow);
      const store = {
        get allow(): string {
          return [...(allow as Set<string>)].sort().join(', ');
        },
      };
      try {
        this.byPath.on('GET', path, noop, store);
      } catch (error) {
        throw new RouteConflictError(index, `cannot register ${path}: ${describe(error)}`);
      }
    }
    return allow;
  }
}

/** Two patterns that differ only in parameter names are the same path to the router. */
function normalizePattern(path: string): string {
  return path.replace(/:[^/]+/g, ':');
}

/** A route's name for messages: its id (config checks register ids, the pipeline compiled routes). */
function nameOf(target: unknown): string {
  if (typeof target === 'string') return `route "${target}"`;
  const id = target !== null && typeof target === 'object' ? (target as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? `route "${id}"` : 'another route';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
