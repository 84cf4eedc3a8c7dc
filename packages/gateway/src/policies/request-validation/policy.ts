import type { ValidationConfig } from '../../config/config-types.js';
import { portierError, type ErrorItem, type PortierError } from '../../errors/portier-error.js';
import { phrase } from '../../errors/param-phrases.js';
import type { Decision, Policy } from '../../pipeline/policy.js';
import type { RequestContext } from '../../pipeline/request-context.js';
import { readRequestBody } from '../request-body/read-request-body.js';
import { parseJsonText } from './parse-json-text.js';
import { removePointers } from './remove-pointers.js';
import { compileBodySchema, compileTextSchema, findingsFor, type CompiledSchema, type Findings } from './request-schemas.js';

const jsonType = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Validates query, path parameters and the JSON body against the route's schemas and reports every
 * problem at once: 415 `unsupported_media_type`, 400 `invalid_json` (with line and column), 400
 * `validation_failed` with one item per problem. Non-fatal rules become warnings and the request goes on.
 */
export function createRequestValidationPolicy(validation: ValidationConfig, maxBodyBytes: number): Policy {
  const body = validation.body === undefined ? undefined : compileBodySchema(validation.body);
  const query = validation.query === undefined ? undefined : compileTextSchema(validation.query);
  const params = validation.params === undefined ? undefined : compileTextSchema(validation.params);

  async function validateBody(ctx: RequestContext, schema: CompiledSchema): Promise<{ findings: Findings; value: unknown } | PortierError> {
    const received = ctx.req.headers['content-type'];
    // No header reads as the text 'undefined', which is no JSON type.
    if (!jsonType.test(String(received))) {
      return portierError('unsupported_media_type', { expected: '`application/json`', received: received === undefined ? phrase('noContentType') : `\`${received.slice(0, 100)}\`` });
    }
    const tooLarge = await readRequestBody(ctx, maxBodyBytes);
    if (tooLarge !== undefined) return tooLarge;
    const parsed = parseJsonText(ctx.body as Buffer, validation.maxDepth);
    if (!('value' in parsed)) return parsed;
    const { value } = parsed;
    return { findings: findingsFor(schema, value, ''), value };
  }

  return {
    name: 'request-validation',
    handle: async function validateRequest(ctx: RequestContext): Promise<Decision> {
      const errors: ErrorItem[] = [];
      const warnings: ErrorItem[] = [];
      const collect = (findings: Findings): void => {
        errors.push(...findings.errors);
        warnings.push(...findings.warnings);
      };
      if (query !== undefined) collect(findingsFor(query, queryObject(ctx.req.url ?? '/'), '/query'));
      if (params !== undefined) collect(findingsFor(params, { ...ctx.params }, '/params'));
      let drop: { value: unknown; pointers: string[] } | undefined;
      if (body !== undefined) {
        const outcome = await validateBody(ctx, body);
        if (outcome instanceof Error) return outcome;
        collect(outcome.findings);
        if (outcome.findings.drops.length > 0) drop = { value: outcome.value, pointers: outcome.findings.drops };
      }
      ctx.warnings.push(...warnings);
      if (errors.length === 0) {
        if (drop !== undefined) {
          removePointers(drop.value, drop.pointers);
          ctx.body = Buffer.from(JSON.stringify(drop.value));
        }
        return undefined;
      }
      return portierError('validation_failed', { count: errors.length }, { items: errors });
    },
  };
}


/** Query parameters as an object: one value as a string, repeated ones as a list. */
function queryObject(url: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const at = url.indexOf('?');
  if (at === -1) return out;
  for (const [name, value] of new URLSearchParams(url.slice(at + 1))) {
    const existing = out[name];
    out[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}
