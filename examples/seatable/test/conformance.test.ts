import { afterAll, beforeAll, expect } from 'vitest';
import { describeSeedConformance } from '../../shared/conformance-suite.js';
import { request } from 'undici';
import { seatableSeedRows } from '../conformance.js';
import { generateKey } from '../../../packages/gateway/src/accounts/keys/key-format.js';
import { demoBaseUuid, startSeatableExample, type SeatableExample } from '../start.js';

/** A clock the test moves: the minute and day windows are crossed without waiting. */
const clock = { at: Date.UTC(2026, 5, 1, 0, 0, 0), now(): number { return this.at; } };
let example: SeatableExample;
let apiToken: string;
let baseToken: string;
const rows = `/api-gateway/api/v2/dtables/${demoBaseUuid}/rows/?table_name=Contacts`;

/** Exchanges the API token for a base token, valid from the clock's time on (for three days). */
async function exchangeForBaseToken(): Promise<void> {
  const exchange = await request(`${example.url}/api/v2.1/dtable/app-access-token/`, { headers: { authorization: `Token ${apiToken}` } });
  const body = (await exchange.body.json()) as { access_token: string; dtable_uuid: string; use_api_gateway: boolean };
  expect(body).toMatchObject({ dtable_uuid: demoBaseUuid, use_api_gateway: true });
  baseToken = body.access_token;
}

beforeAll(async () => {
  example = await startSeatableExample({ port: 0, clock });
  apiToken = await example.issueApiToken('conformance');
  await exchangeForBaseToken();
});
afterAll(async () => {
  await example.close();
});

async function get(path: string, authorization?: string) {
  const response = await request(`${example.url}${path}`, { headers: authorization === undefined ? {} : { authorization } });
  return { status: response.statusCode, headers: response.headers, body: (await response.body.json()) as Record<string, unknown> };
}

const dayMs = 86_400_000;

/**
 * Moves the clock to the start of a day two days past it, and takes a base token there: the base's
 * minute and day counters hold nothing (the sliding day window weighs the day before, which is empty),
 * whichever case ran before, as time only moves forward.
 */
async function freshDay(): Promise<void> {
  clock.at = Math.floor(clock.at / dayMs) * dayMs + 2 * dayMs;
  await exchangeForBaseToken();
}

/** `count` requests on the base, each admitted; the clock moves `stepMs` every `every` requests. */
async function spend(count: number, every = Number.POSITIVE_INFINITY, stepMs = 0): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (i > 0 && i % every === 0) clock.at += stepMs;
    const answer = await get(rows, `Token ${baseToken}`);
    if (answer.status !== 200) throw new Error(`request ${i + 1} refused: ${JSON.stringify(answer.body)}`);
  }
}

const cases: Record<string, () => Promise<void>> = {
  'seatable 401: no token': async () => {
    const answer = await get(rows);
    expect(answer.status).toBe(401);
    expect(Object.keys(answer.body)).toEqual(['detail']);
    expect(answer.headers['content-type']).toBe('application/json');
  },
  'seatable 401: token passed incorrectly': async () => {
    for (const authorization of [`Token "${baseToken}"`, `Tokn ${baseToken}`]) {
      const answer = await get(rows, authorization);
      expect(answer.status).toBe(401);
      expect(String(answer.body['detail'])).toContain('not sent in the expected form');
    }
  },
  'seatable 401: invalid token': async () => {
    // Well-formed, right instance, checksum correct: but no such key exists.
    const unknown = generateKey({ instance: 'seatable', environment: 'live' }).secret;
    const answer = await get(rows, `Token ${unknown}`);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ detail: 'The API key is not valid.' });
  },
  'seatable 429: 301st request in a minute': async () => {
    await freshDay();
    await spend(300);
    const refused = await get(rows, `Token ${baseToken}`);
    expect(refused.status).toBe(429);
    expect(Object.keys(refused.body)).toEqual(['error_msg']);
    expect(refused.headers['x-ratelimit-limit']).toBe('300');
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(refused.headers['x-ratelimit-reset'])).toBeGreaterThan(clock.at / 1000);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  },
  'seatable 429: 5001st request in a day': async () => {
    await freshDay();
    // 5,000 requests, 125 a minute: every minute (sliding) under 300, the day full.
    await spend(5000, 125, 60_000);
    clock.at += 60_000;
    const refused = await get(rows, `Token ${baseToken}`);
    expect(refused.status).toBe(429);
    expect(String(refused.body['error_msg'])).toContain('"day"');
  },
  'seatable support: correlation ID': async () => {
    for (const authorization of [undefined, `Token ${baseToken}`]) {
      const answer = await get(rows, authorization);
      expect(answer.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  },
};

describeSeedConformance('SeaTable seed, reproduced by Portier', seatableSeedRows, cases, { timeoutMs: 60_000 });
