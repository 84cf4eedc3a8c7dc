import { afterAll, beforeAll, expect } from 'vitest';
import { describeSeedConformance } from '../../shared/conformance-suite.js';
import { request } from 'undici';
import { generateKey } from '../../../packages/gateway/src/accounts/keys/key-format.js';
import { brazeSeedRows } from '../conformance.js';
import { demoCampaign } from '../backend.js';
import { startBrazeExample, type BrazeExample } from '../start.js';
import { ManualClock } from '../../../packages/gateway/test/helpers/gateway.js';

let example: BrazeExample;
let key: string;

beforeAll(async () => {
  example = await startBrazeExample({ port: 0 });
  key = await example.issueKey();
});
afterAll(async () => {
  await example.close();
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: { message: string; errors?: string[]; [field: string]: unknown };
}

async function post(path: string, body: unknown, authorization = `Bearer ${key}`, on: BrazeExample = example): Promise<Answer> {
  const response = await request(`${on.url}${path}`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  return { status: response.statusCode, headers: response.headers, body: (await response.body.json()) as Answer['body'] };
}

/** A Braze fatal error: the status, `message` exactly, and `errors` present. */
async function fatal(answer: Promise<Answer>, status: number, message: string): Promise<void> {
  const { status: actual, body } = await answer;
  expect(actual).toBe(status);
  expect(body.message).toBe(message);
  expect(Array.isArray(body.errors)).toBe(true);
}

const recipients = { segment_id: 'segment-1' };
const hello = { apple_push: { alert: 'Hello' } };

const cases: Record<string, () => Promise<void>> = {
  'braze success': async () => {
    const answer = await post('/messages/send', { ...recipients, messages: hello });
    expect(answer.status).toBe(201);
    expect(answer.body.message).toBe('success');
  },
  'braze success with non-fatal errors': async () => {
    const answer = await post('/users/track', { attributes: [{ external_id: 'u1' }, { email: 'x@example.com' }, { external_id: 'u2' }] });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ message: 'success', attributes_processed: 2, errors: ['attribute object without external_id: skipped'] });
  },
  'braze tracked send id': async () => {
    const answer = await post('/sends/id/create', { campaign_id: demoCampaign.id, send_id: 'welcome-1' });
    expect(answer.body).toEqual({ message: 'success', send_id: 'welcome-1' });
  },
  'braze 5XX': async () => {
    const response = await request(`${example.url}/kpi/dau/data_series`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.statusCode).toBe(500);
    expect(await response.body.json()).toEqual({ message: 'Internal Server Error', errors: [] });
  },
  'braze 400 bad syntax': async () => {
    const answer = await post('/messages/send', '{"segment_id": "s", ');
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/^The body is not valid JSON: .* \(line 1, column \d+\)\.$/);
  },
  'braze 400 No Recipients': () => fatal(post('/messages/send', { messages: hello }), 400, 'No Recipients'),
  'braze 400 Invalid Campaign ID': () => fatal(post('/messages/send', { ...recipients, campaign_id: 'nope', message_variation_id: 'x' }), 400, 'Invalid Campaign ID'),
  'braze 400 Message Variant Unspecified': () => fatal(post('/messages/send', { ...recipients, campaign_id: demoCampaign.id }), 400, 'Message Variant Unspecified'),
  'braze 400 Invalid Message Variant': () =>
    fatal(post('/messages/send', { ...recipients, campaign_id: demoCampaign.id, message_variation_id: 'other' }), 400, 'Invalid Message Variant'),
  'braze 400 Mismatched Message Type': () =>
    fatal(post('/messages/send', { ...recipients, campaign_id: demoCampaign.id, message_variation_id: demoCampaign.variant, messages: { android_push: { alert: 'x' } } }), 400, 'Mismatched Message Type'),
  'braze 400 Invalid Extra Push Payload': () => fatal(post('/messages/send', { ...recipients, messages: { apple_push: { alert: 'x', extra: 'not an object' } } }), 400, 'Invalid Extra Push Payload'),
  'braze 400 Max Input Length Exceeded': () =>
    fatal(post('/users/track', { attributes: Array.from({ length: 76 }, (_, i) => ({ external_id: `u${i}` })) }), 400, 'Max Input Length Exceeded'),
  'braze 400 max external_ids and aliases': () =>
    fatal(post('/messages/send', { external_user_ids: Array.from({ length: 51 }, (_, i) => `u${i}`), messages: hello }), 400, 'The max number of external_ids and aliases per request was exceeded'),
  'braze 400 max ids': () => fatal(post('/users/delete', { external_ids: Array.from({ length: 51 }, (_, i) => `u${i}`) }), 400, 'The max number of ids per request was exceeded'),
  'braze 400 No message to send': () => fatal(post('/messages/send', { ...recipients, messages: {} }), 400, 'No message to send'),
  'braze 400 Slideup Message Length Exceeded': () => fatal(post('/messages/send', { ...recipients, messages: { slideup: { message: 's'.repeat(141) } } }), 400, 'Slideup Message Length Exceeded'),
  'braze 400 Apple Push Length Exceeded': () => fatal(post('/messages/send', { ...recipients, messages: { apple_push: { alert: 'a'.repeat(1913) } } }), 400, 'Apple Push Length Exceeded'),
  'braze 400 Android Push Length Exceeded': () => fatal(post('/messages/send', { ...recipients, messages: { android_push: { alert: 'a'.repeat(4001) } } }), 400, 'Android Push Length Exceeded'),
  'braze 400 send_at': () => fatal(post('/messages/send', { ...recipients, messages: hello, send_at: 'next tuesday' }), 400, 'Unable to parse send_at datetime'),
  'braze 400 in_local_time': () =>
    fatal(post('/messages/send', { ...recipients, messages: hello, schedule: { time: '2026-12-01T09:00:00+01:00', in_local_time: true } }), 400, 'in_local_time is true, but time is given in the company time zone'),
  'braze 401 invalid key': () => fatal(post('/messages/send', {}, `Bearer ${generateKey({ instance: 'fra01', environment: 'live' }).secret}`), 401, 'The API key is not valid.'),
  'braze 401 wrong instance': async () => {
    const answer = await post('/messages/send', {}, `Bearer ${generateKey({ instance: 'iad01', environment: 'live' }).secret}`);
    expect(answer.status).toBe(401);
    expect(answer.body.message).toBe('This API key belongs to the instance iad01; send your requests to https://rest.iad-01.braze.com.');
  },
  'braze 401 quoted key': async () => {
    for (const authorization of [`Bearer "${key}"`, `Bearer '${key}'`]) {
      const answer = await post('/messages/send', {}, authorization);
      expect(answer.status).toBe(401);
      expect(answer.body.message).toContain('quote');
    }
  },
  'braze 403 Forbidden': async () => {
    const starter = await example.issueKey({ plan: 'starter' });
    const plan = await post('/messages/send', { ...recipients, messages: hello }, `Bearer ${starter}`);
    expect(plan.status).toBe(403);
    expect(plan.body.message).toBe('The starter plan does not include this endpoint.');
    const disabledKey = await example.issueKey();
    const accounts = await example.admin.listAccounts();
    const newest = accounts[accounts.length - 1];
    await example.admin.setStatus(newest?.id ?? '', 'disabled');
    await fatal(post('/messages/send', { ...recipients, messages: hello }, `Bearer ${disabledKey}`), 403, 'The account of this API key is disabled.');
  },
  'braze 403 Access Denied': async () => {
    const trackOnly = await example.issueKey({ scopes: ['users.track'] });
    await fatal(post('/messages/send', { ...recipients, messages: hello }, `Bearer ${trackOnly}`), 403, 'This API key lacks the permission messages.send.');
  },
  'braze 404': async () => {
    const response = await request(`${example.url}/messages/sendd`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    expect(response.statusCode).toBe(404);
    expect(await response.body.json()).toEqual({ message: 'No route matches POST /messages/sendd.', errors: [] });
  },
  'braze 429': async () => {
    // At a fixed instant on the gateway's clock, so all 101 fall in one day and its reset (midnight UTC)
    // is known, whatever time of day the test runs.
    const clock = new ManualClock(Date.UTC(2026, 0, 15, 12));
    const clocked = await startBrazeExample({ port: 0, clock });
    try {
      const sender = await clocked.issueKey();
      let last: Answer | undefined;
      for (let i = 0; i < 101; i++) last = await post('/sends/id/create', { campaign_id: demoCampaign.id }, `Bearer ${sender}`, clocked);
      expect(last?.status).toBe(429);
      expect(last?.body.message).toMatch(/^The limit of 100 requests per day \("day"\) is used up/);
      expect(last?.headers['x-ratelimit-limit']).toBe('100');
      expect(last?.headers['x-ratelimit-remaining']).toBe('0');
      expect(Number(last?.headers['x-ratelimit-reset'])).toBe(Date.UTC(2026, 0, 16) / 1000);
      expect(Number(last?.headers['retry-after'])).toBe((Date.UTC(2026, 0, 16) - clock.now()) / 1000);
    } finally {
      await clocked.close();
    }
  },
};

describeSeedConformance('Braze seed, reproduced by Portier', brazeSeedRows, cases);
