import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Braze } from 'braze-api';
import { demoCampaign } from '../backend.js';
import { describeClientConformance } from '../../shared/client-conformance-suite.js';
import { brazeApiRoutes } from '../../shared/client-routes.js';
import { brazeApiMethods } from '../client-methods.js';
import { startBrazeExample, type BrazeExample } from '../start.js';

/** The community Braze client (npm `braze-api`), unchanged, against Portier and the example backend. */
let example: BrazeExample;
let braze: Braze;

beforeAll(async () => {
  example = await startBrazeExample({ port: 0 });
  braze = new Braze(example.url, await example.issueKey());
});
afterAll(async () => {
  await example.close();
});

/** What braze-api throws: its ResponseError, with Braze's `message` as message, the status and `errors`. */
async function failure(call: Promise<unknown>): Promise<{ message: string; status: number; errors?: unknown[] }> {
  try {
    await call;
  } catch (error) {
    return error as { message: string; status: number; errors?: unknown[] };
  }
  throw new Error('expected the call to fail');
}

describe('braze-api against Portier', () => {
  it('braze-api: sends a message and creates a tracked send id', async () => {
    const sent = await braze.messages.send({ segment_id: 'segment-1', messages: { apple_push: { alert: 'Hello' } } } as never);
    expect(sent).toMatchObject({ message: 'success' });
    const created = await braze.sends.id.create({ campaign_id: demoCampaign.id, send_id: 'welcome-2' });
    expect(created).toMatchObject({ message: 'success', send_id: 'welcome-2' });
  });

  it('braze-api: returns success with non-fatal errors as data', async () => {
    const tracked = await braze.users.track({ attributes: [{ external_id: 'u1' }, { email: 'no-id@example.com' } as never] });
    expect(tracked).toEqual({ message: 'success', attributes_processed: 1, errors: ['attribute object without external_id: skipped'] });
  });

  it('braze-api: turns Portier\'s errors into its ResponseError with our message, status and errors', async () => {
    const noRecipients = await failure(braze.messages.send({ messages: { apple_push: { alert: 'x' } } } as never));
    expect(noRecipients).toMatchObject({ message: 'No Recipients', status: 400, errors: [] });
    const wrongKey = await failure(new Braze(example.url, 'not-a-key').messages.send({ segment_id: 's' } as never));
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.message).toContain('not sent in the expected form');
    const missing = await failure(braze.campaigns.list({ page: 0 } as never));
    expect(missing).toMatchObject({ status: 404, errors: [] });
  });
});

describeClientConformance(brazeApiMethods, { routes: brazeApiRoutes, gatewayUrl: () => example.url }, {
  'messages.send': async () => {
    const sent = (await braze.messages.send({ external_user_ids: ['u1'], messages: { apple_push: { alert: 'Hi' } } } as never)) as unknown as Record<string, unknown>;
    expect(sent).toEqual({ message: 'success', dispatch_id: expect.any(String) });
    expect(await failure(braze.messages.send({ messages: { apple_push: { alert: 'x' } } } as never))).toMatchObject({ status: 400, message: 'No Recipients' });
  },
  'sends.id.create': async () => {
    expect(await braze.sends.id.create({ campaign_id: demoCampaign.id, send_id: 'welcome-3' })).toEqual({ message: 'success', send_id: 'welcome-3' });
    expect(await failure(braze.sends.id.create({ campaign_id: 'no-such-campaign' }))).toMatchObject({ status: 400, message: 'Invalid Campaign ID' });
  },
  'users.delete': async () => {
    expect(await braze.users.delete({ external_ids: ['u1', 'u2'] })).toEqual({ message: 'success', deleted: 2 });
    const tooMany = Array.from({ length: 51 }, (_, i) => `u${i}`);
    expect(await failure(braze.users.delete({ external_ids: tooMany }))).toMatchObject({ status: 400, message: 'The max number of ids per request was exceeded' });
  },
  'users.track': async () => {
    expect(await braze.users.track({ attributes: [{ external_id: 'u1' }, { external_id: 'u2' }] })).toEqual({ message: 'success', attributes_processed: 2 });
    expect(await braze.users.track({ attributes: [{ external_id: 'u3' }] }, true)).toEqual({ message: 'success', attributes_processed: 1 });
    const tooMany = Array.from({ length: 76 }, (_, i) => ({ external_id: `u${i}` }));
    expect(await failure(braze.users.track({ attributes: tooMany }))).toMatchObject({ status: 400, message: 'Max Input Length Exceeded' });
  },
});
