import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest, RequestPayload } from 'fastify';
import type { PortierRequest } from '../portier-request.js';
import { Admission } from '../app-handover.js';
import { openEmbedded, type ExposedPortier, type EmbedOptions } from '../open-embedded.js';
import type { EmbeddedConfigSource } from '../load-embedded-config.js';
import { PortierError } from '../../errors/portier-error.js';

export type { PortierRequest } from '../portier-request.js';
export type { EmbedOptions } from '../open-embedded.js';
export type { OperationAnswer, OperationHandler, OperationHandlers, OperationJob } from '../../operations/operation-handler.js';
export { PortierConfigError, type EmbeddedConfigSource } from '../load-embedded-config.js';
export { PortierError, portierError, type ErrorItem } from '../../errors/portier-error.js';
export type { ErrorCode } from '../../errors/catalog.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by Portier on the routes it handed over to the app (`app: true`). */
    portier?: PortierRequest;
  }
  interface FastifyInstance {
    /** The embedded Portier: its key directory, maintenance switches, logger. */
    portier: ExposedPortier;
  }
}

export interface PortierFastifyOptions extends EmbedOptions {
  /** A `portier.yaml` path, or an object with the same schema (validated alike). */
  readonly config: EmbeddedConfigSource;
}

/** Fastify's `done` of a preParsing hook, as Portier calls it: no error, the payload its parser is to read. */
type PreParsingDone = (error: null, payload: RequestPayload) => void;

/** One request in the preParsing hook: what Portier's outcome hands back to Fastify (one record per request, no closures). */
class FastifyAdmission extends Admission {
  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    private readonly payload: RequestPayload,
    private readonly done: PreParsingDone,
  ) {
    super();
  }

  enterApp(portier: PortierRequest, body: Buffer | undefined): void {
    this.request.portier = portier;
    if (body === undefined) return this.done(null, this.payload);
    // The stream was read by a stage: Fastify parses the same bytes again, its length check satisfied.
    const declared = Number(this.request.headers['content-length']);
    this.done(null, Object.assign(Readable.from([body]), { receivedEncodedLength: Number.isNaN(declared) ? body.length : declared }));
  }

  override answered(): void {
    // Portier answered (a refusal, a replay, a built-in route): Fastify must not answer too.
    this.reply.hijack();
    this.done(null, this.payload);
  }
}

/**
 * Portier inside a Fastify 5 app: `await app.register(portierPlugin, { config: 'portier.yaml' })`
 * before the routes. Every request of the app runs Portier's stages first (config paths are the full
 * paths: a path no config route has gets Portier's 404); routes with `app: true` are then answered by
 * the app's handlers, with `request.portier`. A catalog error a handler throws is rendered like the
 * gateway's, any other error as `internal_error`; Fastify's own 4xx (a body its parser refused) stay
 * Fastify's. The plugin applies to the instance it is registered on, not only its own scope.
 */
async function portierPlugin(instance: FastifyInstance, options: PortierFastifyOptions): Promise<void> {
  const { config, ...embedOptions } = options;
  const portier = openEmbedded(config, embedOptions);
  const { run, fail, unanswered, ...exposed } = portier;
  instance.decorate('portier', exposed);
  instance.decorateRequest('portier', undefined);
  instance.addHook('onClose', () => portier.close());
  // `await app.register(...)` fails when the admin API cannot listen, with nothing left open.
  await portier.ready.catch(async (error: unknown) => {
    await portier.close();
    throw error;
  });

  // preParsing: after routing, before Fastify reads the body, so that a body Portier read is handed back to Fastify's parser.
  // The callback form: no async function, and so no promise of its own, per request.
  instance.addHook('preParsing', function portierStages(request: FastifyRequest, reply: FastifyReply, payload: RequestPayload, done: PreParsingDone) {
    run(request.raw, reply.raw, new FastifyAdmission(request, reply, payload, done));
  });

  instance.setNotFoundHandler(function portierNotFound(request, reply) {
    // Portier matched a route with `app: true` that the app has no handler for.
    if (unanswered(request.raw)) reply.hijack();
    else void reply.code(404).send({ message: 'not found' });
  });

  instance.setErrorHandler(function portierErrors(error: unknown, request, reply) {
    const status = (error as { statusCode?: unknown }).statusCode;
    const isFrameworkRefusal = !(error instanceof PortierError) && typeof status === 'number' && status >= 400 && status < 500;
    if (!isFrameworkRefusal && fail(request.raw, error)) {
      reply.hijack();
      return;
    }
    void reply.send(error);
  });
}

// What fastify-plugin sets: the hooks apply to the instance the plugin is registered on.
Object.assign(portierPlugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'portier' });

export { portierPlugin };
export default portierPlugin;
