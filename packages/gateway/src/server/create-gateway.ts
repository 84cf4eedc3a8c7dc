import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../clock.js';
import type { PortierConfig } from '../config/config-types.js';
import type { DestinationStream } from 'pino';
import { createLogging, type Logger } from '../log/create-logger.js';
import { createPipeline } from '../pipeline/pipeline.js';
import type { LifecycleDeps } from '../pipeline/policy.js';
import { requestStages, routeStages } from '../policies/lifecycle.js';
import { createBuiltInAnswers } from './built-in-answers.js';
import { MaintenanceState } from '../policies/maintenance/maintenance-state.js';
import { UpstreamClient } from '../policies/proxy/upstream-client.js';
import { createClientErrorHandler, createSocketAnswer } from './answer-client-error.js';
import { createConnectRefusal } from './refuse-connect.js';
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
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { AppDeps } from '../policies/app/index.js';
import { Tracing } from '../tracing/tracing.js';

/** What the gateway is built with; everything has a production default. */
export interface GatewayDependencies {
  readonly clock?: Clock;
  /** Where JSON log lines go (default: stdout, batched). */
  readonly logDestination?: DestinationStream;
  /** The app that answers routes with `app: true`, when Portier runs inside it (`portier/express`). */
  readonly app?: AppDeps;
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
  /** Starts listening (and the admin API, when configured); resolves with the base URL (`http://host:port`). */
  listen(): Promise<string>;
  /** Base URL of the admin API once listening, when configured. */
  readonly adminUrl: string | undefined;
  /**
   * Graceful stop: refuse new connections, let in-flight requests finish for up to `graceMs`, then
   * close every connection and the upstream pools.
   */
  shutdown(graceMs?: number): Promise<void>;
}

/** How long `listen()` waits for the rate-limit Redis before starting without it. */
const redisReadyWaitMs = 3000;

/** A Redis URL without its password, for logs. */
function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//[redacted]@');
}

/** Builds a gateway from a loaded config. Nothing listens until `listen()`. */
export function createGateway(config: PortierConfig, dependencies: GatewayDependencies = {}): Gateway {
  const clock = dependencies.clock ?? systemClock;
  const logging = createLogging(config.log.level, dependencies.logDestination);
  const { logger } = logging;
  // Off (the default), there is no Tracing at all: the pipeline and the worker check for one and do nothing.
  const tracing = config.tracing.enabled ? new Tracing(config.tracing, logger) : undefined;
  const maintenance = new MaintenanceState(config);
  const upstreams = new Map(
    Object.entries(config.upstreams).map(([key, upstream]) => [key, new UpstreamClient(key, upstream, clock, logger)] as const),
  );
  const keys = openKeys(config, clock, logger);
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
  const operations = openOperations(config, clock);
  const worker = operations === undefined ? undefined : new OperationWorker(operations, upstreams, clock, logger, tracing);
  const retentionMs = parseDuration(config.operations.retention);
  const operationSweeper =
    operations === undefined
      ? undefined
      : setInterval(() => void operations.store.sweep(clock.now() - retentionMs).catch((error: unknown) => logger.warn({ err: error }, 'operation retention sweep failed')), 60_000).unref();
  const metrics = new GatewayMetrics({ counters, upstreams, operations, clock, keys: keys?.directory, localCounters });
  const directory = keys?.directory;
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
    config,
    logging,
    metrics,
    tracing,
    requestStages,
    routeStages,
    deps,
    answers: createBuiltInAnswers(config, { clock, counters, directory, operations }),
  });
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
    pipeline.handle,
  );
  // Every answer is the gateway's, never one Node writes on its own (see docs/edge.md):
  // `Expect: 100-continue` is answered once the policies have passed (the body is read or forwarded),
  // other Expect values get a catalogued 417, parser errors a catalogued 4xx, CONNECT a catalogued 405.
  // Upgrade requests have no 'upgrade' listener on purpose: Node then serves them as plain HTTP/1.1
  // requests (RFC 9110 section 7.8 lets a server ignore Upgrade), and Upgrade is never forwarded.
  server.on('checkContinue', pipeline.handle);
  server.on('checkExpectation', pipeline.handle);
  const answerOnSocket = createSocketAnswer(config, logging.accessLog);
  server.on('clientError', createClientErrorHandler(config, answerOnSocket));
  server.on('connect', createConnectRefusal(config, answerOnSocket));

  const admin =
    config.admin === undefined
      ? undefined
      : createAdminApi({ config, token: config.admin.token, directory: keys?.directory, maintenance, logger, counters, clock, upstreams, operations, metrics });
  let adminUrl: string | undefined;

  let stopping: Promise<void> | undefined;
  return {
    server,
    handle: pipeline.handle,
    keys: keys?.directory,
    maintenance,
    logger,
    operations,
    routes: pipeline.routes,
    get adminUrl() {
      return adminUrl;
    },
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
          const address = server.address() as AddressInfo;
          const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${host}:${address.port}`);
        });
      });
      if (admin !== undefined && config.admin !== undefined) adminUrl = await admin.listen(config.admin.host, config.admin.port);
      // Operations left by a previous run (or another replica) are picked up from here on.
      worker?.start();
      return url;
    },
    shutdown(graceMs = settings.shutdownGraceMs): Promise<void> {
      stopping ??= (async () => {
        pipeline.setDraining(true);
        clearInterval(counterSweeper);
        redisCounters?.close();
        snapshots?.close();
        if (admin !== undefined && admin.server.listening) {
          admin.server.closeAllConnections();
          admin.server.close();
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
        // Attempts still running after the grace period are taken over after their lease, here or elsewhere.
        await worker?.stop(graceMs);
        clearInterval(operationSweeper);
        operations?.store.close();
        idempotency?.close();
        await Promise.all([...upstreams.values()].map((upstream) => upstream.pool.destroy()));
        if (keys !== undefined) {
          await keys.directory.close();
          keys.directory.store.close();
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

function openOperations(config: Config, clock: Clock): Operations | undefined {
  if (!config.routes.some((route) => route.async !== undefined)) return undefined;
  return new Operations(openOperationQueue(config, clock), config);
}

function openKeys(config: PortierConfig, clock: Clock, logger: Logger): ApiKeyAuthDependencies | undefined {
  const auth = config.auth;
  if (auth === undefined) return undefined;
  const store = openAccountStore(auth.store, clock);
  return { auth, clock, rules: credentialRules(auth.schemes, auth.header), directory: new KeyDirectory(store, clock, logger, auth.keyCache) };
}
