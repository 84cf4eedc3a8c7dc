import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { sendRaw } from './helpers/raw-http.js';

let upstream: TestUpstream;
let portier: TestGateway;

const hello = { slideup: { message: 'Hi' } };
const braze = (rule: string, extra: Record<string, unknown> = {}) => ({ 'x-rule': rule, 'x-message': rule, ...extra });

/** The Braze seed's input rules for /messages/send, as JSON Schema with Portier's extra keywords. */
const sendSchema = {
  type: 'object',
  properties: {
    external_user_ids: { type: 'array', items: { type: 'string' }, ...braze('The max number of external_ids and aliases per request was exceeded', { maxItems: 50 }) },
    segment_id: { type: 'string' },
    campaign_id: { type: 'string' },
    message_variation_id: { type: 'string' },
    send_at: { type: 'string', format: 'timestamp', 'x-rule': 'Bad Request', 'x-message': 'Unable to parse send_at datetime' },
    schedule: {
      type: 'object',
      properties: { time: { type: 'string' }, in_local_time: { type: 'boolean' } },
      if: { properties: { in_local_time: { const: true } }, required: ['in_local_time'] },
      then: {
        properties: {
          time: {
            not: { pattern: '(Z|[+-]\\d{2}:?\\d{2})$' },
            'x-rule': 'Bad Request',
            'x-message': 'in_local_time is true, but time is given in the company time zone',
          },
        },
      },
    },
    messages: {
      type: 'object',
      properties: {
        apple_push: {
          type: 'object',
          ...braze('Apple Push Length Exceeded', { maxSerializedBytes: 1912 }),
          properties: { extra: { type: 'object', ...braze('Invalid Extra Push Payload') } },
        },
        android_push: { type: 'object', ...braze('Android Push Length Exceeded', { maxSerializedBytes: 4000 }) },
        slideup: { type: 'object', properties: { message: { type: 'string', ...braze('Slideup Message Length Exceeded', { maxLength: 140 }) } } },
      },
    },
    tags: { type: 'array', items: { type: 'string', maxLength: 20, 'x-fatal': false, 'x-rule': 'TagTooLong', 'x-message': 'tag longer than 20 characters: skipped' } },
  },
  allOf: [
    { anyOf: [{ required: ['external_user_ids'] }, { required: ['segment_id'] }], ...braze('No Recipients') },
    { if: { required: ['campaign_id'] }, then: { required: ['message_variation_id'], ...braze('Message Variant Unspecified') } },
    {
      if: { not: { required: ['campaign_id'] } },
      then: { required: ['messages'], properties: { messages: { minProperties: 1, ...braze('No message to send') } }, ...braze('No message to send') },
    },
  ],
};

beforeAll(async () => {
  upstream = await startUpstream((req, res, body) => {
    if (req.url === '/users/track/v2') return json(res, 201, { message: 'success', attributes_processed: (JSON.parse(body.toString('utf8')) as { attributes: unknown[] }).attributes.length });
    if (req.url === '/invoices') return json(res, 200, { id: 'inv_1', validation: { errors: [], warnings: [] } });
    return json(res, 201, { message: 'success', received: body.toString('utf8') });
  });
  portier = await startGateway({
    upstreams: { app: { url: upstream.url } },
    routes: [
      { id: 'send', path: '/messages/send', methods: ['POST'], upstream: 'app', validation: { body: sendSchema } },
      {
        id: 'track',
        path: '/users/track',
        methods: ['POST'],
        upstream: 'app',
        validation: { body: { type: 'object', properties: { attributes: { type: 'array', ...braze('Max Input Length Exceeded', { maxItems: 75 }) } } } },
      },
      {
        id: 'delete',
        path: '/users/delete',
        methods: ['POST'],
        upstream: 'app',
        validation: { body: { type: 'object', properties: { external_ids: { type: 'array', ...braze('The max number of ids per request was exceeded', { maxItems: 50 }) } } } },
      },
      {
        id: 'track-v2',
        path: '/users/track/v2',
        methods: ['POST'],
        upstream: 'app',
        validation: {
          warningsInBody: { pointer: '/errors', as: 'messages' },
          body: {
            type: 'object',
            properties: {
              attributes: {
                type: 'array',
                items: { type: 'object', required: ['external_id'], 'x-fatal': false, 'x-drop': true, 'x-rule': 'MissingExternalId', 'x-message': 'attribute object without external_id: skipped' },
              },
            },
          },
        },
      },
      {
        id: 'invoices',
        path: '/invoices',
        methods: ['POST'],
        upstream: 'app',
        validation: {
          warningsInBody: { pointer: '/validation/warnings', as: 'codat' },
          body: { type: 'object', properties: { note: { type: 'string', maxLength: 10, 'x-fatal': false, 'x-rule': 'NoteLength', 'x-message': 'Note will be truncated to 10 characters' } } },
        },
      },
      {
        id: 'list',
        path: '/campaigns/:campaign_id',
        upstream: 'app',
        validation: {
          query: { type: 'object', properties: { page: { type: 'integer', minimum: 0 } } },
          params: { type: 'object', properties: { campaign_id: { type: 'string', pattern: '^[0-9a-f-]{36}$', ...braze('Invalid Campaign ID') } } },
        },
      },
    ],
  });
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

function post(path: string, body: unknown, contentType = 'application/json') {
  return request(`${portier.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

interface Item {
  pointer: string;
  message: string;
  rule: string;
}

describe('request validation: the Braze fatal input rules', () => {
  it('request-validation: forwards a valid body unchanged', async () => {
    const body = { external_user_ids: ['u1'], messages: { slideup: { message: 'Hi' } } };
    const response = await post('/messages/send', body);
    expect(response.statusCode).toBe(201);
    expect(((await response.body.json()) as { received: string }).received).toBe(JSON.stringify(body));
  });

  it('request-validation: lists every problem at once with pointer, verbatim message and rule', async () => {
    const before = upstream.seen.length;
    const problem = await expectProblem(
      await post('/messages/send', {
        external_user_ids: Array.from({ length: 51 }, (_, i) => `u${i}`),
        send_at: 'next tuesday-ish',
        messages: { slideup: { message: 'x'.repeat(141) }, apple_push: { alert: 'a'.repeat(1901) }, android_push: { alert: 'b'.repeat(4001) } },
      }),
      400,
      'validation_failed',
    );
    expect(problem.detail).toBe('The request has 5 problem(s); each is listed in errors.');
    expect((problem.errors as Item[]).map((item) => [item.pointer, item.rule]).sort()).toEqual(
      [
        ['/external_user_ids', 'The max number of external_ids and aliases per request was exceeded'],
        ['/messages/android_push', 'Android Push Length Exceeded'],
        ['/messages/apple_push', 'Apple Push Length Exceeded'],
        ['/messages/slideup/message', 'Slideup Message Length Exceeded'],
        ['/send_at', 'Bad Request'],
      ].sort(),
    );
    expect((problem.errors as Item[]).find((item) => item.pointer === '/send_at')?.message).toBe('Unable to parse send_at datetime');
    expect(upstream.seen.length).toBe(before);
  });

  it('request-validation: accepts an Apple push payload of exactly 1,912 bytes and refuses 1,913', async () => {
    // {"alert":"…"} is 12 bytes around the text.
    const fits = await post('/messages/send', { segment_id: 's', messages: { apple_push: { alert: 'a'.repeat(1900) } } });
    expect(fits.statusCode).toBe(201);
    await fits.body.dump();
    const over = await expectProblem(await post('/messages/send', { segment_id: 's', messages: { apple_push: { alert: 'a'.repeat(1901) } } }), 400, 'validation_failed');
    expect(over.errors).toEqual([{ pointer: '/messages/apple_push', message: 'Apple Push Length Exceeded', rule: 'Apple Push Length Exceeded' }]);
  });

  it('request-validation: answers No Recipients when no audience is given', async () => {
    const problem = await expectProblem(await post('/messages/send', { messages: { slideup: { message: 'hi' } } }), 400, 'validation_failed');
    expect(problem.errors).toEqual([{ pointer: '', message: 'No Recipients', rule: 'No Recipients' }]);
  });

  it('request-validation: answers No message to send, Message Variant Unspecified and Invalid Extra Push Payload', async () => {
    const noMessage = await expectProblem(await post('/messages/send', { segment_id: 's', messages: {} }), 400, 'validation_failed');
    expect((noMessage.errors as Item[]).map((item) => item.rule)).toEqual(['No message to send']);
    const noVariant = await expectProblem(await post('/messages/send', { segment_id: 's', campaign_id: 'c1' }), 400, 'validation_failed');
    expect((noVariant.errors as Item[]).map((item) => [item.pointer, item.rule])).toEqual([['/message_variation_id', 'Message Variant Unspecified']]);
    const badExtra = await expectProblem(await post('/messages/send', { segment_id: 's', messages: { apple_push: { alert: 'hi', extra: 'not a dictionary' } } }), 400, 'validation_failed');
    expect((badExtra.errors as Item[]).map((item) => [item.pointer, item.message])).toEqual([['/messages/apple_push/extra', 'Invalid Extra Push Payload']]);
  });

  it('request-validation: answers The max number of ids per request was exceeded past 50 ids', async () => {
    const problem = await expectProblem(await post('/users/delete', { external_ids: Array.from({ length: 51 }, (_, i) => `u${i}`) }), 400, 'validation_failed');
    expect(problem.errors).toEqual([{ pointer: '/external_ids', message: 'The max number of ids per request was exceeded', rule: 'The max number of ids per request was exceeded' }]);
  });

  it('request-validation: refuses in_local_time with a time in the company time zone, and accepts a local time', async () => {
    const refused = await expectProblem(await post('/messages/send', { segment_id: 's', messages: hello, schedule: { time: '2026-05-01T10:00:00Z', in_local_time: true } }), 400, 'validation_failed');
    expect(refused.errors).toEqual([{ pointer: '/schedule/time', message: 'in_local_time is true, but time is given in the company time zone', rule: 'Bad Request' }]);
    const ok = await post('/messages/send', { segment_id: 's', messages: hello, schedule: { time: '2026-05-01T10:00:00', in_local_time: true } });
    expect(ok.statusCode).toBe(201);
    await ok.body.dump();
  });

  it('request-validation: answers Max Input Length Exceeded past 75 items on /users/track', async () => {
    const problem = await expectProblem(await post('/users/track', { attributes: Array.from({ length: 76 }, () => ({})) }), 400, 'validation_failed');
    expect(problem.errors).toEqual([{ pointer: '/attributes', message: 'Max Input Length Exceeded', rule: 'Max Input Length Exceeded' }]);
  });

  it('request-validation: validates path and query parameters, converting query values to the schema types', async () => {
    const bad = await expectProblem(await request(`${portier.url}/campaigns/not-a-uuid?page=-1`), 400, 'validation_failed');
    expect((bad.errors as Item[]).map((item) => [item.pointer, item.rule])).toEqual([
      ['/query/page', 'minimum'],
      ['/params/campaign_id', 'Invalid Campaign ID'],
    ]);
    const ok = await request(`${portier.url}/campaigns/0f8e2b9c-1111-4222-8333-444455556666?page=2`);
    expect(ok.statusCode).toBe(201);
    await ok.body.dump();
  });
});

describe('request validation: non-fatal rules', () => {
  it('request-validation: lets a request with only warnings through and tells the caller in X-Portier-Warnings', async () => {
    const response = await post('/messages/send', { segment_id: 's', messages: hello, tags: ['ok', 'this tag is far too long to keep'] });
    expect(response.statusCode).toBe(201);
    await response.body.dump();
    expect(JSON.parse(response.headers['x-portier-warnings'] as string)).toEqual([
      { pointer: '/tags/1', message: 'tag longer than 20 characters: skipped', rule: 'TagTooLong' },
    ]);
  });

  it('request-validation: reports warnings beside the errors when the request is refused', async () => {
    const problem = await expectProblem(await post('/messages/send', { messages: hello, tags: ['this tag is far too long to keep'] }), 400, 'validation_failed');
    expect(problem.errors).toHaveLength(1);
    expect(problem.warnings).toEqual([{ pointer: '/tags/0', message: 'tag longer than 20 characters: skipped', rule: 'TagTooLong' }]);
  });
});

describe('request validation: partial success in the API\'s own shape', () => {
  it('request-validation: drops the offending items, forwards the rest and merges the warnings into a Braze-style body', async () => {
    const response = await post('/users/track/v2', { attributes: [{ external_id: 'a' }, { email: 'x@y' }, { external_id: 'b' }, {}] });
    expect(response.statusCode).toBe(201);
    expect(await response.body.json()).toEqual({
      message: 'success',
      attributes_processed: 2,
      errors: ['attribute object without external_id: skipped', 'attribute object without external_id: skipped'],
    });
    expect(JSON.parse(upstream.seen.at(-1)?.body.toString('utf8') ?? '')).toEqual({ attributes: [{ external_id: 'a' }, { external_id: 'b' }] });
  });

  it('request-validation: merges warnings into Codat\'s validation.warnings with itemId and validatorName', async () => {
    const response = await post('/invoices', { note: 'a rather long note' });
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({
      id: 'inv_1',
      validation: { errors: [], warnings: [{ itemId: '/note', message: 'Note will be truncated to 10 characters', validatorName: 'NoteLength' }] },
    });
  });
});

describe('request validation: bodies that are not JSON', () => {
  it('request-validation: answers invalid_json naming the line and column', async () => {
    const problem = await expectProblem(await post('/messages/send', '{\n  "segment_id": "s",\n  "tags": [1, 2,]\n}'), 400, 'invalid_json');
    expect(problem.detail).toBe("The body is not valid JSON: unexpected ']' (line 3, column 17).");
  });

  it('request-validation: answers 415 for another or a missing content type', async () => {
    const xml = await expectProblem(await post('/messages/send', '<a/>', 'application/xml'), 415, 'unsupported_media_type');
    expect(xml.detail).toBe('This endpoint accepts `application/json`; the request was sent as `application/xml`.');
    const none = await sendRaw(portier.url, 'POST /messages/send HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
    expect(none.status).toBe(415);
  });

  it('request-validation: refuses a body nested 10,000 deep without parsing it', async () => {
    const problem = await expectProblem(await post('/messages/send', `${'['.repeat(10_000)}${']'.repeat(10_000)}`), 400, 'invalid_json');
    expect(problem.detail).toBe('The body is not valid JSON: it is nested deeper than 64 levels (line 1, column 65).');
  });

  it('request-validation: refuses a body that is not UTF-8', async () => {
    const response = await request(`${portier.url}/messages/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    });
    const problem = await expectProblem(response, 400, 'invalid_json');
    expect(problem.detail).toBe('The body is not valid JSON: the body is not valid UTF-8 (line 1, column 7).');
  });

  it('request-validation: answers 413 for a 10 MB body before reading it', async () => {
    await expectProblem(await post('/messages/send', 'x'.repeat(10 * 1024 * 1024)), 413, 'payload_too_large');
  });
});
