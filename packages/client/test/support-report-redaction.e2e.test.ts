import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type PortierApiError } from '@portier/client';
import { startUpstream, type TestUpstream } from '../../gateway/test/helpers/upstream.js';

/**
 * Each secret goes through a real failing call (a server answering 400, quoting back what it got), and
 * the support report is searched for it, as is and in the encodings it could travel in.
 */
let server: TestUpstream;

beforeAll(async () => {
  server = await startUpstream((req, res, body) => {
    const detail = `could not use ${req.url ?? ''} with ${String(req.headers['x-context'] ?? '')} and ${body.toString()}`;
    const text = JSON.stringify({ type: 'about:blank', title: 'Bad request', status: 400, code: 'bad_request', detail });
    res.writeHead(400, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
});
afterAll(async () => {
  await server.close();
});

const ownKey = 'pt_live_eu1_3Fq9TzKbQm7WnR2xYvLp8sDj4Hc6Ga1E';
const otherKey = 'pt_test_us2_Zx81LmQp0aWn5rT3yUv7bCd9EfGh2JkM';
const neutralCredential = 'opaque-credential-4f1c9e7a2b6d8035';
const token = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJrMSIsImV4cCI6MTc5NjE2NTE4NX0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';

function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}

async function errorOf(call: () => Promise<unknown>): Promise<PortierApiError> {
  try {
    await call();
  } catch (error) {
    expect((error as PortierApiError).status).toBe(400);
    return error as PortierApiError;
  }
  throw new Error('the call did not fail');
}

async function reportOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
  } catch (error) {
    expect((error as PortierApiError).status).toBe(400);
    return (error as PortierApiError).supportReport();
  }
  throw new Error('the call did not fail');
}

function expectNowhere(report: string, secret: string): void {
  for (const form of [secret, encodeURIComponent(secret), base64(secret)]) expect(report, `found ${form}`).not.toContain(form);
}

describe('support report redaction', () => {
  it('sdk report: hides its own key sent in a custom header, and in a query, a JSON body and a form body under neutral names', async () => {
    const client = createClient({ baseUrl: server.url, apiKey: neutralCredential, scheme: { header: 'X-Thing' }, maxRetries: 0 });
    const reports = [
      await reportOf(() => client.get('/rows', { query: { q: neutralCredential } })),
      await reportOf(() => client.post('/rows', { note: neutralCredential, nested: [{ text: `see ${neutralCredential}` }] })),
      await reportOf(() => client.post('/rows', new URLSearchParams({ note: neutralCredential }))),
      await reportOf(() => client.post('/rows', { blob: base64(neutralCredential) })),
    ];
    for (const report of reports) expectNowhere(report, neutralCredential);
    expect(reports[0]).toContain('x-thing: [redacted]');
  });

  it('sdk report: hides a key sent with the X-Access-Key scheme, and the Basic form of it', async () => {
    for (const scheme of [{ header: 'X-Access-Key' }, 'basic'] as const) {
      const client = createClient({ baseUrl: server.url, apiKey: ownKey, scheme, maxRetries: 0 });
      const report = await reportOf(() => client.get('/rows'));
      expectNowhere(report, ownKey);
      expect(report).toMatch(scheme === 'basic' ? /authorization: \[redacted\]/ : /x-access-key: \[redacted\]/);
    }
  });

  it('sdk report: hides values shaped like a Portier key or a JWT under neutral names in headers, JSON, form bodies and URLs', async () => {
    const client = createClient({ baseUrl: server.url, maxRetries: 0 });
    for (const secret of [otherKey, token]) {
      const reports = [
        await reportOf(() => client.get('/rows', { headers: { 'x-context': secret } })),
        await reportOf(() => client.get('/rows', { query: { ref: secret } })),
        await reportOf(() => client.get(`/rows/${secret}`)),
        await reportOf(() => client.post('/rows', { note: secret })),
        await reportOf(() => client.post('/rows', new URLSearchParams({ note: secret }))),
        await reportOf(() => client.post('/rows', `free text with ${secret} inside`)),
        await reportOf(() => client.get('/rows', { headers: { 'x-context': `Basic ${base64(`user:${secret}`)}` } })),
        await reportOf(() => client.post('/rows', { blob: base64(secret) })),
      ];
      for (const report of reports) expectNowhere(report, secret);
    }
  });

  it('sdk report: hides access_key, private_key, client_secret and password values in JSON, form bodies and queries, and keeps neutral fields', async () => {
    const client = createClient({ baseUrl: server.url, maxRetries: 0 });
    const fields = { access_key: 'AKIA0000SECRETVALUE1', private_key: 'MIIEvQIBADANBgkq-private', client_secret: 'cs-0a1b2c3d4e5f', password: 'hunter2-hunter2' };
    const reports = [
      await reportOf(() => client.post('/rows', { ...fields, name: 'visible-name' })),
      await reportOf(() => client.post('/rows', new URLSearchParams({ ...fields, name: 'visible-name' }))),
      await reportOf(() => client.get('/rows', { query: { ...fields, name: 'visible-name' } })),
    ];
    for (const report of reports) {
      for (const value of Object.values(fields)) expectNowhere(report, value);
      expect(report).toContain('visible-name');
    }
  });
  it('sdk error: printing or serializing the error (inspect, JSON, message, stack, fields) shows neither its key nor a secret field of the request', async () => {
    // The server quotes the URL, a header and the body back, as the failing call's answer.
    for (const scheme of ['bearer', { header: 'X-Access-Key' }] as const) {
      const client = createClient({ baseUrl: server.url, apiKey: ownKey, scheme, maxRetries: 0 });
      const errors = [
        await errorOf(() => client.get('/rows', { query: { q: ownKey }, headers: { 'x-context': ownKey } })),
        await errorOf(() => client.post('/rows', { note: ownKey, password: 'hunter2-hunter2', name: 'visible-name' })),
      ];
      for (const error of errors) {
        const printed = [inspect(error, { depth: 10 }), JSON.stringify(error), error.message, String(error.stack), JSON.stringify(error.request), error.detail ?? '', error.rawBody ?? ''];
        for (const text of printed) {
          expectNowhere(text, ownKey);
          expect(text).not.toContain('hunter2-hunter2');
        }
        // The report still carries the request (redacted), and the rest of it is kept.
        expect(error.request.headers['x-retry-count']).toBe('0');
        expectNowhere(error.supportReport(), ownKey);
      }
      expect(errors[1]?.request.body).toContain('visible-name');
      expect(errors[0]?.request.url).toContain('/rows?q=');
    }
  });
});
