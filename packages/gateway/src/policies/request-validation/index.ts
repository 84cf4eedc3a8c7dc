import type { ValidationConfig } from '../../config/config-types.js';
import type { RouteStageModule } from '../../pipeline/policy.js';
import { createRequestValidationPolicy } from './policy.js';
import { compileBodySchema } from './request-schemas.js';

export interface RequestValidationSettings {
  readonly validation: ValidationConfig;
  readonly maxBodyBytes: number;
}

export const requestValidationStage: RouteStageModule<'request-validation', RequestValidationSettings, unknown> = {
  name: 'request-validation',
  scope: 'route',
  summary: 'JSON Schema for query, path parameters and body, every problem at once; non-fatal rules as warnings',
  emits: ['unsupported_media_type', 'invalid_json', 'validation_failed', 'payload_too_large'],
  settingsOf: (route) => (route.config?.validation === undefined ? undefined : { validation: route.config.validation, maxBodyBytes: route.maxBodyBytes }),
  codes: () => ['invalid_json', 'unsupported_media_type', 'validation_failed', 'payload_too_large'],
  checkRoute(route, index, _config, report) {
    for (const part of ['body', 'query', 'params'] as const) {
      const schema = route.validation?.[part];
      if (schema === undefined) continue;
      try {
        // The body's Ajv and the query's and params' take the same options but coercion, so they
        // refuse the same schemas: one check serves the three parts.
        compileBodySchema(schema);
      } catch (error) {
        report(['routes', index, 'validation', part], `invalid JSON Schema: ${(error as Error).message}`);
      }
    }
  },
  create: ({ validation, maxBodyBytes }) => createRequestValidationPolicy(validation, maxBodyBytes),
};
