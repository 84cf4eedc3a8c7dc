import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { refusingPort, type RefusingPort } from './helpers/ports.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { expectProblem } from './helpers/expect-problem.js';
import type { Clock } from '../src/clock.js';

/** A dependency that fails the way a bug would: with a message that must never reach the client. */
const brokenClock: Clock = {
  now() {
    throw new Error('clock exploded: internal detail 42');
  },
};

let portier: TestGateway;
let gone: RefusingPort;

beforeAll(async () => {
  gone = await refusingPort();
  portier = await startGateway(
    {
      upstreams: { app: { url: `http://127.0.0.1:${gone.port}`, circuitBreaker: { failureThreshold: 1 } } },
      routes: [{ id: 'any', path: '/*', upstream: 'app' }],
    },
    { clock: brokenClock },
  );
});
afterAll(async () => {
  await portier.close();
  await gone.release();
});

describe('unexpected exceptions', () => {
  it('pipeline: answers a generic 500 internal_error and logs the cause when a dependency throws', async () => {
    const response = await request(`${portier.url}/boom`);
    const body = await expectProblem(response, 500, 'internal_error');
    expect(JSON.stringify(body)).not.toContain('internal detail 42');
    expect(JSON.stringify(body)).not.toContain('clock exploded');
    const logged = portier.logs.find((line) => line['msg'] === 'unexpected error');
    expect(logged?.['correlationId']).toBe(body.correlationId);
    expect(JSON.stringify(logged)).toContain('clock exploded');
  });
});
