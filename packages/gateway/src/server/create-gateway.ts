import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import { loadConfigFile, type ConfigResult } from '../config-loader/load-config.js';
import { formatConfigProblem, type ConfigProblem } from '../config/config-problem.js';
import { configWarnings } from '../config/config-warnings.js';
import { Readiness, type ReadinessCheck } from './readiness.js';
import { restartOnlyProblems } from './restart-only.js';
import type { ReloadOutcome } from '../admin/admin-api.js';
import { systemClock, type Clock } from '../clock.js';
import type { PortierConfig } from '../config/config-types.js';
import type { DestinationStream } from 'pino';
import { createLogging, type Logger } from '../log/create-logger.js';
import { RecentLogLines } from '../log/recent-log-lines.js';
import { createPipeline, type Pipeline } from '../pipeline/pipeline.js';
import type { LifecycleDeps } from '../pipeline/policy.js';
import { requestStages, routeStages } from '../policies/lifecycle.js';
import { createBuiltInAnswers } from './built-in-answers.js';
import { MaintenanceState } from '../policies/maintenance/maintenance-state.js';
import { UpstreamClient } from '../policies/proxy/upstream-client.js';
import { createClientErrorHandler, createSocketAnswer } from './answer-client-error.js';
import { createConnectRefusal } from './refuse-connect.js';
import { baseUrlOf } from './base-url-of.js';
import { createAdminApi } from '../admin/admin-api.js';
import { LocalCounters } from '../policies/rate-limit/local-counters.js';
import { RedisCounters } from '../policies/rate-limit/redis-counters.js';
import { CounterSnapshots } from '../policies/rate-limit/counter-snapshots.js';
import { localBackend, RedisBackend } from '../policies/rate-limit/shared-counters.js';
import { KeyDirectory } from '../accounts/key-directory.js';
import { openAccountStore } from '../accounts/store/open-account-store.js';
import { credentialRules } from '../policies/api-key-auth/extract-credential.js';
import type { ApiKeyAuthDependencies } from '../policies/api-key-auth/policy.js';
import type { PortierConfig as Config } from '../config/config-types.js';
import { parseDuration } from '../config/duration.js';
import type { IdempotencyStore } from '../policies/idempotency/idempotency-store.js';
import { SqliteIdempotencyStore } from '../policies/idempotency/sqlite-idempotency-store.js';
import { RedisIdempotencyStore } from '../policies/idempotency/redis-idempotency-store.js';
import { openOperationQueue } from '../operations/open-operation-queue.js';
import { Operations } from '../operations/operations.js';
import { OperationWorker } from '../operations/operation-worker.js';
import type { OperationHandlers } from '../operations/operation-handler.js';
import { operationHandlerProblems } from '../operations/operation-handler-problems.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { AppDeps } from '../policies/app/index.js';
import { Tracing } from '../tracing/tracing.js';
import { redactUrl } from '../log/redact-url.js';
import { createUsageMetering, type UsageMetering } from '../usage/usage-metering.js';

/** What the gateway is built with; everything has a production default. */

/** The `close` option in a Connection header (Node joins repeated ones with commas). */
const closeOption = /(?:^|,)[ \t]*close[ \t]*(?:,|$)/i;
export interface GatewayDependencies {
  readonly clock?: Clock;
  /** Where JSON log lines go (default: stdout, batched). */
  readonly logDestination?: DestinationStream;
  /** The app that answers routes with `app: true`, when Portier runs inside it (`portier/express`). */
  readonly app?: AppDeps;
  /** The work of async app routes (`app: true` + `async`), by route id: what the worker runs in place of an upstream. */
  readonly operationHandlers?: OperationHandlers;
  /** The file the config was loaded from: what `reload()` (SIGHUP, `portier reload`, `POST /admin/reload`) reads again. */
  readonly configFile?: string;
  /** Environment for `${VAR}` when `configFile` is read again (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface Gateway {
  readonly server: Server;
  /** The pipeline's request handler (the server's): an embedding adapter calls it from the app's server. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** Accounts and keys, when the deployment has an `auth` section. */
  readonly keys: KeyDirectory | undefined;
  readonly maintenance: MaintenanceState;
  readonly logger: Logger;
  /** Async operations, when some route is `async`. */
  readonly operations: Operations | undefined;
  /** Ids, paths and methods of every route served, built-in ones included (the pipeline's own table). */
  readonly routes: readonly { readonly id: string; readonly path: string; readonly methods: readonly string[] }[];
  /** The config served now (a reload replaces it). */
  readonly config: PortierConfig;
  /** Whether the gateway can serve (`/readyz`). */
  readonly readiness: Readiness;
  /** Usage per account, key, route and minute (flushed rows plus this gateway's unflushed counts), when metering runs. */
  readonly usage: UsageMetering | undefined;
  /**
   * Loads `configFile` again, checks it as `config check` does plus what cannot change without a
   * restart, and swaps it in; a refused file leaves the running config as it was.
   */
  reload(): Promise<ReloadOutcome>;
  /** The same swap from a config already loaded (embedding, tests). */
  reloadConfig(config: PortierConfig): ReloadOutcome;
  /** Starts listening (and the admin API, when configured); resolves with the base URL (`http://host:port`). */
  listen(): Promise<string>;
  /**
   * Starts the operation worker, when some route is async, without listening: what an embedded
   * Portier does, the app's server being the one that listens. `listen()` starts it too; twice is once.
   */
  startWorker(): void;
  /**
   * Starts the admin API's own listener (`admin.host`, `admin.port`) alone, when the config has an
   * `admin` section: what `listen()` does for it, and all an embedded Portier listens on. Once: a
   * second call returns the first one's promise. Resolves with its base URL, or undefined without one.
   */
  listenAdmin(): Promise<string | undefined>;
  /** Base URL of the admin API once listening, when configured. */
  readonly adminUrl: string | undefined;
  /**
   * Graceful stop: readiness goes false at once; after `server.shutdownDelayMs`, refuse new connections,
   * let in-flight requests finish for up to `graceMs`, then close every connection and the upstream pools.
   */
  shutdown(graceMs?: number): Promise<void>;
}

/** How long `listen()` waits for the rate-limit Redis before starting without it. */
const redisReadyWaitMs = 3000;
/** Most a shutdown waits, after the grace period, for the requests it cut off to finish (and be metered). */
const cutOffWaitMs = 1000;

/** One config as served: its pipeline and what was built for it. A reload builds the next one beside it. */
interface Generation {
  readonly config: PortierConfig;
  readonly pipeline: Pipeline;
  /** Its upstreams: the previous generation's objects where an upstream's key and settings are unchanged. */
  readonly upstreams: ReadonlyMap<string, UpstreamClient>;
  readonly operations: Operations | undefined;
  readonly keys: ApiKeyAuthDependencies | undefined;
  readonly clientError: ReturnType<typeof createClientErrorHandler>;
  readonly connect: ReturnType<typeof createConnectRefusal>;
  /** Requests this generation is serving; a retired generation closes its own upstreams once none is left. */
  inFlight: number;
  onIdle: (() => void) | undefined;
}

/** Builds a gateway from a loaded config. Nothing listens until `listen()`. */
export function createGateway(config: PortierConfig, dependencies: GatewayDependencies = {}): Gateway {
  const clock = dependencies.clock ?? systemClock;
  // The dashboard's request search reads the last lines from memory; without an admin listener nobody could.
  const recentLines = config.admin === undefined ? undefined : new RecentLogLines(config.admin.recentLogMaxLines, config.admin.recentLogMaxBytes);
  const logging = createLogging(config.log.level, dependencies.logDestination, recentLines);
  const { logger } = logging;
  // Off (the default), there is no Tracing at all: the pipeline and the worker check for one and do nothing.
  const tracing = config.tracing.enabled ? new Tracing(config.tracing, logger) : undefined;
  const maintenance = new MaintenanceState(config);
  // The stores live as long as the process: a reload reuses them (their locations need a restart).
  const directory = config.auth === undefined ? undefined : new KeyDirectory(openAccountStore(config.auth.store, clock), clock, logger, config.auth.keyCache);
  const localCounters = new LocalCounters(config.rateLimits.maxTrackedCounters);
  const counterSweeper = setInterval(() => {
    // A housekeeping timer must never take the process down, whatever goes wrong in it.
    try {
      localCounters.sweep(clock.now());
    } catch (error) {
      logger.error({ err: error }, 'rate-limit counter sweep failed');
    }
  }, 10_000).unref();
  const snapshotPath = config.rateLimits.sqlitePath ?? config.auth?.store.sqlitePath;
  const snapshots = snapshotPath === undefined ? undefined : new CounterSnapshots(snapshotPath, localCounters, clock, logger);
  const redisLimits = config.rateLimits.redis;
  const redisCounters = redisLimits === undefined ? undefined : new RedisCounters(redisLimits);
  const counters = redisCounters === undefined ? localBackend(localCounters) : new RedisBackend(redisCounters, localCounters, logger);
  const idempotency = openIdempotencyStore(config, clock);
  const operationStore = config.routes.some((route) => route.async !== undefined) ? openOperationQueue(config, clock) : undefined;
  const firstOperations = operationStore === undefined ? undefined : new Operations(operationStore, config);
  /** The upstreams served now: what the worker, the metrics and the admin status read. */
  const liveUpstreams = new Map<string, UpstreamClient>();
  const worker = firstOperations === undefined ? undefined : new OperationWorker(firstOperations, liveUpstreams, clock, logger, tracing, dependencies.operationHandlers);
  const retentionMs = parseDuration(config.operations.retention);
  const operationSweeper =
    operationStore === undefined
      ? undefined
      : setInterval(() => void operationStore.sweep(clock.now() - retentionMs).catch((error: unknown) => logger.warn({ err: error }, 'operation retention sweep failed')), 60_000).unref();
  // Counted in memory on every request, flushed to the store in batches (docs/usage-metering.md).
  const usage = createUsageMetering(config, clock, logger);
  const metrics = new GatewayMetrics({ counters, upstreams: liveUpstreams, operations: firstOperations, clock, keys: directory, localCounters, recentLines });
  const readiness = new Readiness(readinessChecks(config), config.server.readyTimeoutMs, config.server.readyCacheMs);
  let draining = false;

  function readinessChecks(settings: PortierConfig): ReadinessCheck[] {
    const checks: ReadinessCheck[] = [];
    if (directory !== undefined) checks.push({ name: 'accounts', probe: async () => directory.store.changeMarker() });
    if (redisCounters !== undefined) checks.push({ name: 'rateLimits', probe: () => redisCounters.ping() });
    if (idempotency instanceof RedisIdempotencyStore) checks.push({ name: 'idempotency', probe: () => idempotency.ping() });
    if (operationStore !== undefined) checks.push({ name: 'operations', probe: () => operationStore.get('readiness-probe') });
    const optional: readonly string[] = settings.server.readyOptional;
    return checks.filter((check) => !optional.includes(check.name));
  }

  /** Everything one config needs beside the shared stores, reusing `previous`'s unchanged upstreams. */
  function buildGeneration(next: PortierConfig, previous: ReadonlyMap<string, UpstreamClient>, operations = operationStore === undefined ? undefined : new Operations(operationStore, next)): Generation {
    const upstreams = new Map(
      Object.entries(next.upstreams).map(([key, upstream]) => {
        const kept = previous.get(key);
        return [key, kept !== undefined && isDeepStrictEqual(kept.config, upstream) ? kept : new UpstreamClient(key, upstream, clock, logger)] as const;
      }),
    );
    const auth = next.auth;
    const keys = auth === undefined || directory === undefined ? undefined : { auth, clock, rules: credentialRules(auth.schemes, auth.header), directory };
    const queue = operations === undefined || worker === undefined ? undefined : { operations, wake: () => worker.wake() };
    // Each stage gets its own deps, checked against its factory's signature.
    const deps: LifecycleDeps<typeof routeStages> = {
      maintenance: { state: maintenance },
      'api-key-auth': keys,
      access: { clock },
      plan: { clock, store: directory?.store, logger },
      'rate-limit': { counters, clock },
      'request-body': undefined,
      'feature-condition': undefined,
      'request-validation': undefined,
      idempotency: { store: idempotency, clock, logger },
      async: { operations: queue, clock },
      // Only an embedding adapter has an app to hand over to; without one a route with `app: true` is refused at boot.
      app: dependencies.app,
      proxy: { upstreams, clock, logger },
    };
    const pipeline = createPipeline({
      config: next,
      logging,
      metrics,
      usage: usage?.meter,
      tracing,
      // Counted where the pipeline finishes a request: no listener or closure per request.
      onFinished: () => {
        if (--generation.inFlight === 0) generation.onIdle?.();
      },
      requestStages,
      routeStages,
      deps,
      answers: createBuiltInAnswers(next, { clock, counters, directory, operations, readiness, usage }),
    });
    pipeline.setDraining(draining);
    const answerOnSocket = createSocketAnswer(next, logging.accessLog);
    const generation: Generation = {
      config: next,
      pipeline,
      upstreams,
      operations,
      keys,
      clientError: createClientErrorHandler(next, answerOnSocket, answeredSockets),
      connect: createConnectRefusal(next, answerOnSocket),
      inFlight: 0,
      onIdle: undefined,
    };
    return generation;
  }

  /** Sockets whose parser error was answered, by whichever generation: one set for the gateway's life. */
  const answeredSockets = new WeakSet<Duplex>();
  let current = buildGeneration(config, new Map(), firstOperations);
  for (const [key, upstream] of current.upstreams) liveUpstreams.set(key, upstream);

  /** Resolves once no generation serves a request, or after `timeoutMs`. */
  async function requestsFinished(timeoutMs: number): Promise<void> {
    const idle = (generation: Generation): Promise<void> =>
      generation.inFlight === 0
        ? Promise.resolve()
        : new Promise((resolve) => {
            const before = generation.onIdle;
            generation.onIdle = () => {
              before?.();
              resolve();
            };
          });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.all([current, ...busy].map(idle)), deadline]);
    clearTimeout(timer);
  }

  /** Every request goes to the generation current when it arrived, and finishes there. */
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    // Node keeps an HTTP/1.0 connection open when the request names both `keep-alive` and `close`;
    // `close` wins (RFC 9110, 7.6.1): the answer says so, and nothing after it is read as a request.
    const connection = req.headers.connection;
    if (connection !== undefined && res.shouldKeepAlive && closeOption.test(connection)) res.shouldKeepAlive = false;
    const generation = current;
    generation.inFlight++;
    generation.pipeline.handle(req, res);
  };

  const { server: settings } = config;
  const server = createServer(
    {
      maxHeaderSize: settings.maxHeaderBytes,
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      // How often Node checks the two timeouts above; its default (30 s) would let them overrun.
      connectionsCheckingInterval: Math.min(1000, settings.headersTimeoutMs),
      // A missing Host gets the catalogued 400 from the pipeline, not Node's bare one.
      requireHostHeader: false,
    },
    handle,
  );
  // Every answer is the gateway's, never one Node writes on its own (see docs/edge.md):
  // `Expect: 100-continue` is answered once the policies have passed (the body is read or forwarded),
  // other Expect values get a catalogued 417, parser errors a catalogued 4xx, CONNECT a catalogued 405.
  // Upgrade requests have no 'upgrade' listener on purpose: Node then serves them as plain HTTP/1.1
  // requests (RFC 9110 section 7.8 lets a server ignore Upgrade), and Upgrade is never forwarded.
  server.on('checkContinue', handle);
  server.on('checkExpectation', handle);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => current.clientError(error, socket));
  server.on('connect', (req: IncomingMessage, socket: Duplex) => current.connect(req, socket));

  /** Retired generations with requests still under way, and upstreams the current one no longer uses. */
  const busy = new Set<Generation>();
  const unused = new Set<UpstreamClient>();

  /** Closes each unused upstream pool that no retired generation with requests under way still holds. */
  function closeUnused(): void {
    for (const upstream of unused) {
      if ([...busy].some((generation) => generation.upstreams.get(upstream.key) === upstream)) continue;
      unused.delete(upstream);
      upstream.close().catch((error: unknown) => logger.warn({ err: error, upstream: upstream.key }, 'closing an upstream pool after a reload failed'));
    }
  }

  /**
   * Swaps `next` in: requests that arrived before keep their generation to the end; an upstream pool the
   * new one no longer uses is closed once no older generation that holds it has a request left.
   */
  function swapIn(next: PortierConfig): Generation {
    const generation = buildGeneration(next, current.upstreams);
    const retired = current;
    current = generation;
    maintenance.reseed(next);
    readiness.configure(readinessChecks(next), next.server.readyTimeoutMs, next.server.readyCacheMs);
    if (generation.operations !== undefined) worker?.use(generation.operations);
    liveUpstreams.clear();
    for (const [key, upstream] of generation.upstreams) liveUpstreams.set(key, upstream);
    for (const upstream of retired.upstreams.values()) {
      if (generation.upstreams.get(upstream.key) !== upstream) unused.add(upstream);
    }
    if (retired.inFlight > 0) {
      busy.add(retired);
      retired.onIdle = () => {
        busy.delete(retired);
        closeUnused();
      };
    }
    closeUnused();
    return generation;
  }

  /** Checks `next` as `config check` would plus what a running gateway cannot change, then swaps it in. */
  function reload(next: ConfigResult, file: string): ReloadOutcome {
    if (stopping !== undefined) return { ok: false, file, problems: [{ file, line: 0, column: 0, path: '', message: 'the gateway is shutting down' }] };
    if (!next.ok) return { ok: false, file, problems: next.problems };
    const problems = [...restartOnlyProblems(current.config, next.config, file), ...appRouteProblems(next.config, file)];
    if (problems.length > 0) return { ok: false, file, problems };
    let generation: Generation;
    try {
      generation = swapIn(next.config);
    } catch (error) {
      logger.error({ err: error }, 'reload failed while building the new config');
      return { ok: false, file, problems: [{ file, line: 0, column: 0, path: '', message: `the new config could not be built: ${error instanceof Error ? error.message : String(error)}` }] };
    }
    const warnings = configWarnings(generation.config).map((warning) => ({ path: warning.path, message: warning.message }));
    return { ok: true, file, routes: generation.pipeline.routes.length, warnings };
  }

  function appRouteProblems(next: PortierConfig, file: string): ConfigProblem[] {
    if (dependencies.app !== undefined) return operationHandlerProblems(next, dependencies.operationHandlers ?? {}, file);
    return next.routes.flatMap((route, index) =>
      route.app === true ? [{ file, line: 0, column: 0, path: `routes[${index}].app`, message: 'answered by the app (`app: true`): this gateway runs no app' }] : [],
    );
  }

  async function reloadFile(): Promise<ReloadOutcome> {
    const file = dependencies.configFile;
    if (file === undefined) return { ok: false, file: '', problems: [{ file: '', line: 0, column: 0, path: '', message: 'this gateway was not started from a config file: there is nothing to reload' }] };
    // Reading the file is synchronous: let the event loop run what is queued first.
    await new Promise((resolve) => setImmediate(resolve));
    const outcome = reload(loadConfigFile(file, dependencies.env), file);
    if (outcome.ok) logger.info({ file, routes: outcome.routes }, 'config reloaded');
    else logger.error({ file, problems: outcome.problems.map(formatConfigProblem) }, 'config reload refused: the running config stays');
    for (const warning of outcome.ok ? outcome.warnings : []) logger.warn({ path: warning.path }, warning.message);
    return outcome;
  }

  const admin =
    config.admin === undefined
      ? undefined
      : createAdminApi({
          current: () => current,
          token: config.admin.token,
          directory,
          maintenance,
          logger,
          counters,
          clock,
          upstreams: liveUpstreams,
          metrics,
          usage,
          reload: reloadFile,
          recentLines,
        });
  if (admin !== undefined) {
    // The admin port answers what Node would write itself the same way, in problem+json.
    const answerOnAdminSocket = createSocketAnswer(config, undefined, 'problem');
    admin.server.on('clientError', createClientErrorHandler(config, answerOnAdminSocket));
    admin.server.on('connect', createConnectRefusal(config, answerOnAdminSocket));
  }
  let adminUrl: string | undefined;
  let adminListening: Promise<string | undefined> | undefined;
  function listenAdmin(): Promise<string | undefined> {
    adminListening ??=
      admin === undefined || config.admin === undefined
        ? Promise.resolve(undefined)
        : admin.listen(config.admin.host, config.admin.port).then((url) => (adminUrl = url));
    return adminListening;
  }

  let stopping: Promise<void> | undefined;
  return {
    server,
    handle,
    get keys() {
      return directory;
    },
    maintenance,
    logger,
    get operations() {
      return current.operations;
    },
    get routes() {
      return current.pipeline.routes;
    },
    get config() {
      return current.config;
    },
    get adminUrl() {
      return adminUrl;
    },
    readiness,
    usage,
    reload: reloadFile,
    reloadConfig: (next: PortierConfig) => reload({ ok: true, config: next }, dependencies.configFile ?? ''),
    startWorker: () => worker?.start(),
    listenAdmin,
    async listen(): Promise<string> {
      if (redisCounters !== undefined && !(await redisCounters.ready(redisReadyWaitMs))) {
        logger.error({ url: redactUrl(config.rateLimits.redis?.url ?? '') }, 'rate-limit store not reachable at start: limits follow their whenStoreDown policy');
      }
      if (idempotency instanceof RedisIdempotencyStore && !(await idempotency.ready(redisReadyWaitMs))) {
        logger.error({ url: redactUrl(config.idempotency.redis?.url ?? '') }, 'idempotency store not reachable at start: requests with an Idempotency-Key get 503 until it is');
      }
      const url = await new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(settings.port, settings.host, () => {
          server.off('error', reject);
          resolve(baseUrlOf(server));
        });
      });
      await listenAdmin();
      // Operations left by a previous run (or another replica) are picked up from here on.
      worker?.start();
      return url;
    },
    shutdown(graceMs = current.config.server.shutdownGraceMs): Promise<void> {
      stopping ??= (async () => {
        // Not ready from the very first moment: a load balancer stops sending before anything closes.
        readiness.shuttingDown();
        draining = true;
        current.pipeline.setDraining(true);
        const delayMs = current.config.server.shutdownDelayMs;
        if (delayMs > 0 && server.listening) await new Promise((resolve) => setTimeout(resolve, delayMs));
        clearInterval(counterSweeper);
        void redisCounters?.close();
        snapshots?.close();
        // A listener still opening is closed once open; one that could not open has nothing to close.
        const adminOpened = adminListening !== undefined && (await adminListening.then(() => true, () => false));
        if (admin !== undefined && adminOpened && admin.server.listening) {
          const adminClosed = new Promise((resolve) => admin.server.close(resolve));
          admin.server.closeAllConnections();
          await adminClosed;
        }
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Connections that finish their last response while draining go idle; close them as they do,
        // instead of waiting for each client's keep-alive timeout.
        server.closeIdleConnections();
        const sweeper = setInterval(() => server.closeIdleConnections(), 50);
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        });
        await Promise.race([closed, deadline]);
        clearTimeout(timer);
        clearInterval(sweeper);
        server.closeAllConnections();
        // Requests cut off just now finish once their stages see the closed socket: usage counts them
        // in its last flush, so wait for them (briefly: a stage stuck on a store has its own timeout).
        if (usage !== undefined) await requestsFinished(Math.min(graceMs, cutOffWaitMs));
        // Attempts still running after the grace period are taken over after their lease, here or elsewhere.
        await worker?.stop(graceMs);
        // Every request has finished: the last counts are written before the stores close.
        await usage?.close();
        clearInterval(operationSweeper);
        operationStore?.close();
        idempotency?.close();
        await Promise.all([...new Set([...current.upstreams.values(), ...unused])].map((upstream) => upstream.pool.destroy()));
        if (directory !== undefined) {
          await directory.close();
          directory.store.close();
        }
        // Last, once nothing can start a span: the spans still batched are sent (for a few seconds at most).
        await tracing?.shutdown();
        logger.flush();
      })();
      return stopping;
    },
  };
}

/** The idempotency record store, when some route uses Idempotency-Key: Redis when configured, else SQLite. */
function openIdempotencyStore(config: Config, clock: Clock): IdempotencyStore | undefined {
  if (!config.routes.some((route) => route.idempotency !== undefined)) return undefined;
  const settings = config.idempotency;
  if (settings.redis !== undefined) return new RedisIdempotencyStore(settings.redis, parseDuration(settings.ttl));
  const path = settings.sqlitePath ?? config.auth?.store.sqlitePath;
  if (path === undefined) throw new Error('idempotency needs idempotency.sqlitePath or auth.store.sqlitePath: config check should prevent it');
  return new SqliteIdempotencyStore(path, clock);
}
