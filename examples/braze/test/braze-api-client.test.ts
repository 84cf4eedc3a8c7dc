import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Braze } from 'braze-api';
import { demoCampaign } from '../backend.js';
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
