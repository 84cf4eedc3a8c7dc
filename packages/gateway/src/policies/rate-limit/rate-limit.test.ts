import { describe, expect, it } from 'vitest';
import { configOf, policyContext } from '../../../test/helpers/policy-context.js';
import { configuredSpec } from '../../pipeline/compile-routes.js';
import { PortierError } from '../../errors/portier-error.js';
import type { Decision } from '../../pipeline/policy.js';
import { rateLimitStage } from './index.js';
import { LocalCounters } from './local-counters.js';
import { localBackend } from './shared-counters.js';

const config = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
routes:
  - id: search
    path: /search
    upstream: app
    limits: [{ name: minute, limit: 2, per: minute, by: [ip] }]
  - { id: open, path: /open, upstream: app }
`);

function stageFor(routeId: string, now: { value: number }) {
  const route = config.routes.find((candidate) => candidate.id === routeId);
  if (route === undefined) throw new Error(routeId);
  const settings = rateLimitStage.settingsOf(configuredSpec(route, config), config);
  if (settings === undefined) return undefined;
  return rateLimitStage.create(settings, { counters: localBackend(new LocalCounters()), clock: { now: () => now.value } });
}

async function decide(policy: NonNullable<ReturnType<typeof stageFor>>, ip: string): Promise<Decision> {
  return policy.handle(policyContext({ url: '/search', remoteAddress: ip }));
}

describe('rate-limit policy', () => {
  it('rate-limit: is left out of a route where no limit can apply', () => {
    expect(stageFor('open', { value: 0 })).toBeUndefined();
  });

  it('rate-limit: admits the limit per subject, then answers 429 rate_limited with Retry-After, and each caller has its own counter', async () => {
    const now = { value: Date.UTC(2026, 11, 2, 10, 0, 0) };
    const policy = stageFor('search', now);
    if (policy === undefined) throw new Error('the route has a limit');
    expect(await decide(policy, '10.0.0.1')).toBeUndefined();
    expect(await decide(policy, '10.0.0.1')).toBeUndefined();
    const refused = await decide(policy, '10.0.0.1');
    expect(refused).toBeInstanceOf(PortierError);
    expect((refused as PortierError).code).toBe('rate_limited');
    expect(Number((refused as PortierError).headers?.['Retry-After'])).toBeGreaterThan(0);
    expect(await decide(policy, '10.0.0.2')).toBeUndefined();
  });

  it('rate-limit: a window that has passed admits again', async () => {
    const now = { value: Date.UTC(2026, 11, 2, 10, 0, 0) };
    const policy = stageFor('search', now);
    if (policy === undefined) throw new Error('the route has a limit');
    await decide(policy, '10.0.0.1');
    await decide(policy, '10.0.0.1');
    expect(await decide(policy, '10.0.0.1')).toBeInstanceOf(PortierError);
    now.value += 2 * 60_000;
    expect(await decide(policy, '10.0.0.1')).toBeUndefined();
  });

  it('rate-limit: documents rate_limited only where it runs', () => {
    const route = config.routes[0];
    if (route === undefined) throw new Error('search');
    const settings = rateLimitStage.settingsOf(configuredSpec(route, config), config);
    if (settings === undefined) throw new Error('the route has a limit');
    expect(rateLimitStage.codes(settings, config)).toEqual(['rate_limited']);
  });
});
