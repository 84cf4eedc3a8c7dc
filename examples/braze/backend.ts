import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ExampleBackend } from '../shared/start-example.js';
import { readBody, sendJson, startJsonServer } from '../shared/json-server.js';

/** The campaign the example knows: one variant, an Apple push. */
export const demoCampaign = { id: '4a0a2f4c-0c1e-4f5b-9d3e-6b7c8d9e0f11', variant: 'apple-v1', type: 'apple_push' } as const;

/**
 * A small stand-in for Braze's REST backend behind Portier: it answers in Braze's shapes and knows
 * what only a backend can know (which campaigns and message variants exist). Keys, input rules and
 * limits are Portier's job. `/kpi/dau/data_series` fails, for the 5XX row of the seed.
 */
export function startBrazeBackend(): Promise<ExampleBackend> {
  return startJsonServer(handle, { message: 'Internal Server Error', errors: [] });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
  switch (req.url) {
    case '/users/track':
      return sendJson(res, 201, { message: 'success', attributes_processed: Array.isArray(body['attributes']) ? body['attributes'].length : 0 });
    case '/users/delete':
      return sendJson(res, 201, { message: 'success', deleted: Array.isArray(body['external_ids']) ? body['external_ids'].length : 0 });
    case '/messages/send': {
      const campaign = body['campaign_id'];
      if (campaign !== undefined) {
        if (campaign !== demoCampaign.id) return sendJson(res, 400, { message: 'Invalid Campaign ID', errors: [] });
        if (body['message_variation_id'] !== demoCampaign.variant) return sendJson(res, 400, { message: 'Invalid Message Variant', errors: [] });
        const messages = Object.keys((body['messages'] ?? {}) as object);
        if (messages.some((type) => type !== demoCampaign.type)) return sendJson(res, 400, { message: 'Mismatched Message Type', errors: [] });
      }
      return sendJson(res, 201, { message: 'success', dispatch_id: randomUUID() });
    }
    case '/sends/id/create':
      if (body['campaign_id'] !== demoCampaign.id) return sendJson(res, 400, { message: 'Invalid Campaign ID', errors: [] });
      return sendJson(res, 201, { message: 'success', send_id: typeof body['send_id'] === 'string' ? body['send_id'] : randomUUID() });
    default:
      return sendJson(res, 500, { message: 'Internal Server Error', errors: [] });
  }
}
