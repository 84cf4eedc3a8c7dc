import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Base } from 'seatable-api';
import { demoBaseUuid, startSeatableExample, type SeatableExample } from '../start.js';

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
    const before = await base.listRows('Contacts');
    const added = await base.appendRow('Contacts', { Name: 'Grace', Email: 'grace@example.com' });
    expect(added).toMatchObject({ Name: 'Grace', Email: 'grace@example.com' });
    expect(typeof added['_id']).toBe('string');
    const after = await base.listRows('Contacts');
    expect(after.length).toBe(before.length + 1);
    expect(base.apiGateway.getResponseHeaders('x-ratelimit-limit')).toBe('300');
    expect(Number(base.apiGateway.getResponseHeaders('x-ratelimit-remaining'))).toBe(300 - 4);
  });

  it('seatable-api: an invalid API-Token fails auth() with the 401 and a {detail} body, as against SeaTable', async () => {
    const base = new Base({ server: example.url, APIToken: 'not-a-token' });
    const error = (await base.auth().then(() => undefined, (failure: unknown) => failure)) as { response?: { status: number; data: unknown; headers: Record<string, string> } };
    expect(error.response?.status).toBe(401);
    expect(Object.keys(error.response?.data as object)).toEqual(['detail']);
    expect(error.response?.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
