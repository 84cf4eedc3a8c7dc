import { Pool } from 'undici';
import type { Clock } from '../../clock.js';
import type { UpstreamConfig } from '../../config/config-types.js';
import type { Logger } from '../../log/create-logger.js';
import { CircuitBreaker } from './circuit-breaker.js';

/** One upstream: its connection pool, breaker and settings, created once at boot. */
export class UpstreamClient {
  readonly pool: Pool;
  readonly breaker: CircuitBreaker;
  readonly serviceName: string;
  /** Path prefix of the upstream URL ('' when none), prepended to every forwarded path. */
  readonly basePath: string;
  /** Host, port and scheme of the upstream URL, as trace spans name them (`server.address`, `server.port`). */
  readonly address: string;
  readonly port: number;
  readonly scheme: string;

  constructor(
    readonly key: string,
    readonly config: UpstreamConfig,
    clock: Clock,
    logger?: Logger,
  ) {
    const url = new URL(config.url);
    this.basePath = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
    this.serviceName = config.serviceName ?? key;
    this.scheme = url.protocol.slice(0, -1);
    this.address = url.hostname;
    this.port = url.port === '' ? (this.scheme === 'https' ? 443 : 80) : Number(url.port);
    this.pool = new Pool(url.origin, {
      connections: config.connections,
      connectTimeout: config.connectTimeoutMs,
      headersTimeout: config.responseTimeoutMs,
      bodyTimeout: config.bodyTimeoutMs,
      keepAliveTimeout: 4000,
    });
    const upstream = key;
    this.breaker = new CircuitBreaker(
      config.circuitBreaker,
      clock,
      logger === undefined
        ? undefined
        : {
            opened: (failures, openMs) =>
              logger.warn({ upstream, failures, openMs }, 'circuit breaker opened: requests to this upstream get 503 upstream_circuit_open until a trial succeeds'),
            closed: () => logger.info({ upstream }, 'circuit breaker closed: the trial request succeeded, traffic flows again'),
          },
    );
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
