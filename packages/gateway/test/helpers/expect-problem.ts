import { expect } from 'vitest';
import type { Dispatcher } from 'undici';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  correlationId: string;
  retryable: boolean;
  service: string;
  errors: unknown[];
  warnings: unknown[];
}

/**
 * Reads a problem+json response and checks what every Portier error must have: the status, the
 * code, the content type, and one correlation ID in both the header and the body.
 */
export async function expectProblem(response: Dispatcher.ResponseData, status: number, code: string): Promise<ProblemBody> {
  const text = await response.body.text();
  expect(response.statusCode, text).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  const body = JSON.parse(text) as ProblemBody;
  expect(body.code).toBe(code);
  expect(body.status).toBe(status);
  expect(body.type).toBe(`/docs/errors#${code}`);
  const correlation = response.headers['x-correlation-id'];
  expect(typeof correlation).toBe('string');
  expect(body.correlationId).toBe(correlation);
  expect(body.title.length).toBeGreaterThan(0);
  expect(body.detail.length).toBeGreaterThan(0);
  return body;
}
