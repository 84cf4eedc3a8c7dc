import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DestinationStream } from 'pino';
import type { KeyDirectory } from '../accounts/key-directory.js';
import type { Clock } from '../clock.js';
import type { PortierConfig } from '../config/config-types.js';
import type { Logger } from '../log/create-logger.js';
import type { MaintenanceState } from '../policies/maintenance/maintenance-state.js';
import { createGateway } from '../server/create-gateway.js';
import { listenFailureLines } from '../server/listen-failure.js';
import { Admission, AppHandover } from './app-handover.js';
import type { PortierRequest } from './portier-request.js';
import { loadEmbeddedConfig, PortierConfigError, type EmbeddedConfigSource } from './load-embedded-config.js';
import type { OperationHandlers } from '../operations/operation-handler.js';
import { operationHandlerProblems } from '../operations/operation-handler-problems.js';

/** Options of an embedded Portier; everything has the gateway's default. */
export interface EmbedOptions {
  readonly clock?: Clock;
  /** Where JSON log lines go (default: stdout, batched). */
  readonly logDestination?: DestinationStream;
  /** Environment for `${VAR}` in the config (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The work of each async app route (`app: true` + `async`), by route id: the worker runs it for
   * every operation the route queued, with the queue's leases and retries (docs/embedding.md). Every
   * such route needs one, and each one needs such a route: the config is refused otherwise.
   */
  readonly operations?: OperationHandlers;
}

/** Portier's pipeline inside an app, built from one config: what every framework adapter wraps. */
export interface EmbeddedPortier {
  readonly config: PortierConfig;
  /** Accounts and keys, when the config has an `auth` section: the same store the CLI and admin API use. */
  readonly keys: KeyDirectory | undefined;
  readonly maintenance: MaintenanceState;
  readonly logger: Logger;
  /**
   * Settles once what Portier listens on itself is open: with the config's `admin` section, the admin
   * API, `/metrics` and the dashboard on their own listener (`admin.host`, `admin.port`), started
   * when the embedded Portier opens. Resolves with its base URL (`adminUrl`; undefined without an
   * `admin` section). When that port cannot be opened, the error is logged and `ready` rejects with it:
   * await `ready` before the app listens to stop there instead.
   */
  readonly ready: Promise<EmbeddedReady>;
  /**
   * Runs the pipeline on one request, admitted with `admitted` (the adapter's record of it): its
   * `enterApp` lets the app's handler answer once every stage passed, its `answered` is told when
   * Portier answered itself or the client left first.
   */
  run(req: IncomingMessage, res: ServerResponse, admitted: Admission): void;
  /** The app failed on a request Portier handed it: true when Portier renders the failure. */
  fail(req: IncomingMessage, error: unknown): boolean;
  /** No handler of the app answered a request Portier handed it: true when Portier answers `internal_error`. */
  unanswered(req: IncomingMessage): boolean;
  /**
   * Stops the operation worker (its attempts under way get up to `graceMs`, default
   * `server.shutdownGraceMs`), closes the stores and flushes the log.
   */
  close(graceMs?: number): Promise<void>;
}

/** What `ready` resolves with. */
export interface EmbeddedReady {
  /** Base URL (`http://host:port`) of the admin API's listener, when the config has an `admin` section. */
  readonly adminUrl: string | undefined;
}

/** What an adapter hands its app of the embedded Portier: everything but the hooks it runs requests through. */
export type ExposedPortier = Omit<EmbeddedPortier, 'run' | 'fail' | 'unanswered'>;

/** Where a request went once Portier ran it: to the app's handler, or answered by Portier (or abandoned). */
export type Outcome = 'app' | 'answered';

/** An admission whose outcome is a promise, for frameworks that await their middleware (Hono). */
export class AwaitedAdmission extends Admission {
  /** Settles once: 'app' when the app's handler is to answer, 'answered' when Portier answered itself or the client left. */
  readonly outcome: Promise<Outcome>;
  /** What `enterApp` was told, for the middleware to hand to the app once `outcome` is 'app'. */
  portier: PortierRequest | undefined = undefined;
  readBody: Buffer | undefined = undefined;
  private settleOutcome: (outcome: Outcome) => void = () => undefined;

  constructor() {
    super();
    this.outcome = new Promise((resolve) => {
      this.settleOutcome = resolve;
    });
  }

  enterApp(portier: PortierRequest, readBody: Buffer | undefined): void {
    this.portier = portier;
    this.readBody = readBody;
    this.settleOutcome('app');
  }

  override answered(): void {
    this.settleOutcome('answered');
  }
}

/** Builds the gateway's pipeline, stores and stages from a config, with the app answering `app: true` routes. */
export function openEmbedded(source: EmbeddedConfigSource, options: EmbedOptions = {}): EmbeddedPortier {
  const config = loadEmbeddedConfig(source, options.env);
  const handlers = options.operations ?? {};
  const handlerProblems = operationHandlerProblems(config, handlers, typeof source === 'string' ? source : '<config object>');
  if (handlerProblems.length > 0) throw new PortierConfigError(handlerProblems);
  const handover = new AppHandover(config.correlation.header);
  const gateway = createGateway(config, {
    app: handover,
    operationHandlers: handlers,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.logDestination === undefined ? {} : { logDestination: options.logDestination }),
    // A config file is read again by `POST /admin/reload` (and `portier reload`), as a gateway's is.
    ...(typeof source === 'string' ? { configFile: source } : {}),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  const { handle } = gateway;
  // Operations queued by the async routes (this run's, and those a previous run left) are worked on from now.
  gateway.startWorker();
  const ready = gateway.listenAdmin().then((adminUrl) => ({ adminUrl }));
  // Logged whether or not the app awaits `ready`, and never an unhandled rejection of the app's process.
  ready.catch((error: unknown) => {
    const address = config.admin === undefined ? '' : `${config.admin.host}:${config.admin.port}`;
    // The catalog's `listen_failed` line; its hints name `server.port`, which is the app's here.
    gateway.logger.error({ err: error, address }, `admin API (admin.port): ${listenFailureLines(address, error)[0] ?? ''}`);
  });
  return {
    config,
    keys: gateway.keys,
    maintenance: gateway.maintenance,
    logger: gateway.logger,
    ready,
    run(req, res, admitted) {
      handover.admit(req, res, admitted);
      handle(req, res);
    },
    fail: (req, error) => handover.fail(req, error),
    unanswered: (req) => handover.unanswered(req),
    // The app's server is the app's to close; this closes what Portier opened (the admin listener too).
    close: (graceMs = config.server.shutdownGraceMs) => gateway.shutdown(graceMs),
  };
}
