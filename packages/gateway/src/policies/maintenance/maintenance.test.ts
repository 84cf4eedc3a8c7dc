import { describe, expect, it } from 'vitest';
import { configOf, policyContext } from '../../../test/helpers/policy-context.js';
import { configuredSpec } from '../../pipeline/compile-routes.js';
import { PortierError } from '../../errors/portier-error.js';
import { maintenanceStage } from './index.js';
import { MaintenanceState } from './maintenance-state.js';

const config = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
maintenance: { allowRoutes: [status] }
routes:
  - { id: orders, path: /orders, upstream: app }
  - { id: status, path: /status, upstream: app }
`);

function policyFor(routeId: string, state: MaintenanceState) {
  const route = config.routes.find((candidate) => candidate.id === routeId);
  if (route === undefined) throw new Error(routeId);
  const settings = maintenanceStage.settingsOf(configuredSpec(route, config), config);
  if (settings === undefined) throw new Error('maintenance runs on every route');
  return maintenanceStage.create(settings, { state });
}

describe('maintenance policy', () => {
  it('maintenance: a reload makes the switches what the new file says, dropping those set at run time', () => {
    const state = new MaintenanceState(config);
    state.setGlobal({ enabled: true });
    state.setRoute('orders', { enabled: true });
    const reloaded = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
maintenance: { allowRoutes: [orders] }
routes:
  - { id: orders, path: /orders, upstream: app }
  - { id: status, path: /status, upstream: app, maintenance: { enabled: true, message: 'Status moves', retryAfterSeconds: 30 } }
  - { id: other, path: /other, upstream: app }
`);
    state.reseed(reloaded);
    // The global switch is off again (the file's), so only the file's own switch of `status` is on.
    expect(state.activeFor('orders')).toBeUndefined();
    expect(state.activeFor('other')).toBeUndefined();
    expect(state.activeFor('status')).toEqual({ enabled: true, message: 'Status moves', retryAfterSeconds: 30 });
    // The new file's allowRoutes: `orders` stays reachable under the global switch, `status` would not.
    state.setGlobal({ enabled: true });
    state.setRoute('status', { enabled: false });
    expect(state.activeFor('orders')).toBeUndefined();
    expect(state.activeFor('status')).toMatchObject({ enabled: true });
  });

  it('maintenance: lets requests through while no switch is on', () => {
    expect(policyFor('orders', new MaintenanceState(config)).handle(policyContext())).toBeUndefined();
  });

  it('maintenance: the global switch answers 503 maintenance with the message and Retry-After, except on allowed routes', () => {
    const state = new MaintenanceState(config);
    state.setGlobal({ enabled: true, message: 'Back at noon', retryAfterSeconds: 120 });
    const decision = policyFor('orders', state).handle(policyContext());
    expect(decision).toBeInstanceOf(PortierError);
    const error = decision as PortierError;
    expect(error.code).toBe('maintenance');
    expect(error.params).toMatchObject({ message: 'Back at noon' });
    expect(error.headers).toMatchObject({ 'Retry-After': '120' });
    expect(policyFor('status', state).handle(policyContext())).toBeUndefined();
  });

  it('maintenance: a route switch covers that route only, and turning it off reopens it at once', () => {
    const state = new MaintenanceState(config);
    const orders = policyFor('orders', state);
    state.setRoute('orders', { enabled: true });
    expect((orders.handle(policyContext()) as PortierError).code).toBe('maintenance');
    expect(policyFor('status', state).handle(policyContext())).toBeUndefined();
    state.setRoute('orders', { enabled: false });
    expect(orders.handle(policyContext())).toBeUndefined();
  });

  it('maintenance: runs on every route, named for its stage, answering only maintenance', () => {
    const state = new MaintenanceState(config);
    expect(maintenanceStage.codes({ routeId: 'orders' }, config)).toEqual(['maintenance']);
    expect(policyFor('orders', state).name).toBe('maintenance');
  });

  it('maintenance: a route switched on in config answers 503 with its own message and Retry-After', () => {
    const seeded = configOf(`
upstreams: { app: { url: 'http://127.0.0.1:9' } }
routes:
  - { id: legacy, path: /legacy, upstream: app, maintenance: { enabled: true, message: 'Moved', retryAfterSeconds: 30 } }
  - { id: orders, path: /orders, upstream: app }
`);
    const state = new MaintenanceState(seeded);
    expect(state.activeFor('legacy')).toEqual({ enabled: true, message: 'Moved', retryAfterSeconds: 30 });
    expect(state.activeFor('orders')).toBeUndefined();
  });

  it('maintenance: a route switch set at run time takes the global message and Retry-After unless given its own', () => {
    const state = new MaintenanceState(config);
    state.setGlobal({ message: 'Global words', retryAfterSeconds: 77 });
    state.setRoute('orders', { enabled: true });
    expect(state.activeFor('orders')).toEqual({ enabled: true, message: 'Global words', retryAfterSeconds: 77 });
    state.setRoute('status', { message: 'Own words' });
    expect(state.activeFor('status')).toBeUndefined();
    state.setRoute('status', { enabled: true });
    expect(state.activeFor('status')).toEqual({ enabled: true, message: 'Own words', retryAfterSeconds: 77 });
  });
});
