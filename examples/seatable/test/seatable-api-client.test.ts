import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Base } from 'seatable-api';
import { demoBaseUuid, startSeatableExample, type SeatableExample } from '../start.js';
import { describeClientConformance } from '../../shared/client-conformance-suite.js';
import { seatableApiRoutes } from '../../shared/client-routes.js';
import { seatableApiMethods } from '../client-methods.js';

/** SeaTable's own JavaScript client (npm `seatable-api`), unchanged, against Portier and the example backend. */
let example: SeatableExample;

beforeAll(async () => {
  example = await startSeatableExample({ port: 0 });
});
afterAll(async () => {
  await example.close();
});

describe('seatable-api against Portier', () => {
  it('seatable-api: exchanges the API-Token, lists and appends rows through the api-gateway, and reads the rate-limit headers', async () => {
    const base = new Base({ server: example.url, APIToken: await example.issueApiToken('client test') });
    await base.auth();
    expect(base.dtableUuid).toBe(demoBaseUuid);
    const metadata = await base.getMetadata();
    expect(metadata.tables.map((table) => table.name)).toEqual(['Contacts']);
    // The budget is the base's, which the other tests of this file spend too, in any order.
    const remaining = Number(base.apiGateway.getResponseHeaders('x-ratelimit-remaining'));
    expect(remaining).toBeGreaterThanOrEqual(3);
    const before = await base.listRows('Contacts');
    const added = await base.appendRow('Contacts', { Name: 'Grace', Email: 'grace@example.com' });
    expect(added).toMatchObject({ Name: 'Grace', Email: 'grace@example.com' });
    expect(typeof added['_id']).toBe('string');
    const after = await base.listRows('Contacts');
    expect(after.length).toBe(before.length + 1);
    expect(base.apiGateway.getResponseHeaders('x-ratelimit-limit')).toBe('300');
    expect(Number(base.apiGateway.getResponseHeaders('x-ratelimit-remaining'))).toBe(remaining - 3);
  });

  it('seatable-api: an invalid API-Token fails auth() with the 401 and a {detail} body, as against SeaTable', async () => {
    const base = new Base({ server: example.url, APIToken: 'not-a-token' });
    const error = (await base.auth().then(() => undefined, (failure: unknown) => failure)) as { response?: { status: number; data: unknown; headers: Record<string, string> } };
    expect(error.response?.status).toBe(401);
    expect(Object.keys(error.response?.data as object)).toEqual(['detail']);
    expect(error.response?.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

/** A client that has exchanged a fresh API-Token (its own rate-limit budget is the base's). */
async function authed(): Promise<Base> {
  const base = new Base({ server: example.url, APIToken: await example.issueApiToken('client method test') });
  await base.auth();
  return base;
}

/** What seatable-api throws: axios' error, with the answer's status and parsed body. */
async function rejected(call: Promise<unknown>): Promise<{ status: number | undefined; data: unknown }> {
  const error = (await call.then(() => undefined, (failure: unknown) => failure)) as { response?: { status: number; data: unknown } } | undefined;
  return { status: error?.response?.status, data: error?.response?.data };
}

describeClientConformance(seatableApiMethods, { routes: seatableApiRoutes, gatewayUrl: () => example.url }, {
  auth: async () => {
    const base = await authed();
    expect(base.dtableUuid).toBe(demoBaseUuid);
    expect(base.accessToken.split('.')).toHaveLength(3);
    expect(await rejected(new Base({ server: example.url, APIToken: 'not-a-token' }).auth())).toMatchObject({ status: 401, data: { detail: expect.any(String) } });
  },
  getMetadata: async () => {
    const metadata = await (await authed()).getMetadata();
    expect(metadata.tables.map((table) => table.name)).toEqual(['Contacts']);
  },
  getTables: async () => {
    expect((await (await authed()).getTables()).map((table) => table.name)).toEqual(['Contacts']);
  },
  getTableByName: async () => {
    const base = await authed();
    expect(await base.getTableByName('Contacts')).toMatchObject({ name: 'Contacts' });
    expect(await base.getTableByName('Nope')).toBeUndefined();
  },
  listRows: async () => {
    const base = await authed();
    expect((await base.listRows('Contacts')).map((row) => row['Name'])).toContain('Ada');
    expect(await rejected(base.listRows('Nope'))).toEqual({ status: 404, data: { error_msg: 'Table Nope not found.' } });
  },
  getRow: async () => {
    const base = await authed();
    expect(await base.getRow('Contacts', 'r1')).toMatchObject({ _id: 'r1', Name: 'Ada' });
    expect(await rejected(base.getRow('Contacts', 'no-such-row'))).toEqual({ status: 404, data: { error_msg: 'Row not found.' } });
  },
  appendRow: async () => {
    const added = await (await authed()).appendRow('Contacts', { Name: 'Alan' });
    expect(added).toMatchObject({ Name: 'Alan', _id: expect.any(String) });
  },
  insertRow: async () => {
    const base = await authed();
    const inserted = await base.insertRow('Contacts', { Name: 'Barbara' }, 'r1');
    expect(inserted).toMatchObject({ Name: 'Barbara', _id: expect.any(String) });
    expect(await base.getRow('Contacts', String(inserted['_id']))).toMatchObject({ Name: 'Barbara' });
  },
  batchAppendRows: async () => {
    const base = await authed();
    expect(await base.batchAppendRows('Contacts', [{ Name: 'Edsger' }, { Name: 'Tony' }])).toEqual({ inserted_row_count: 2 });
    expect((await base.listRows('Contacts')).map((row) => row['Name'])).toEqual(expect.arrayContaining(['Edsger', 'Tony']));
  },
});
