import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PortierRequest } from '../portier-request.js';
import { openEmbedded, runWithOutcome, type ExposedPortier, type EmbedOptions } from '../open-embedded.js';
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

/** What Portier learnt about a request while it ran, for the hooks that follow. */
interface Entered {
  readonly portier: PortierRequest;
  readonly readBody: Buffer | undefined;
}

/** Where it is kept: a property of the raw request (cheaper per request than a WeakMap entry). */
const entry = Symbol('portier.entered');
type EnteredRequest = IncomingMessage & { [entry]?: Entered };

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
  const portier = openEmbedded(
    config,
    (req: EnteredRequest, view, readBody) => {
      req[entry] = { portier: view, readBody };
    },
    embedOptions,
  );
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
  instance.addHook('preParsing', function portierStages(request: FastifyRequest, reply: FastifyReply, payload, done) {
    runWithOutcome(run, request.raw, reply.raw, (outcome) => {
      if (outcome === 'answered') {
        // Portier answered (a refusal, a replay, a built-in route): Fastify must not answer too.
        reply.hijack();
        return done(null, payload);
      }
      const state = (request.raw as EnteredRequest)[entry];
      if (state === undefined) return done(null, payload);
      request.portier = state.portier;
      if (state.readBody === undefined) return done(null, payload);
      // The stream was read by a stage: Fastify parses the same bytes again, its length check satisfied.
      const declared = Number(request.headers['content-length']);
      done(null, Object.assign(Readable.from([state.readBody]), { receivedEncodedLength: Number.isNaN(declared) ? state.readBody.length : declared }));
    });
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
