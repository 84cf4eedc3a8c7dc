import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';

let upstream: TestUpstream;
let portier: TestGateway;

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 404, { message: 'Invoice not found for company 360cb9b3 and invoice ID 12345' }));
  portier = await startGateway({
    errors: { envelope: 'codat', service: 'PublicApi' },
    upstreams: { qbo: { url: upstream.url, errors: 'normalize', serviceName: 'QuickBooksOnline' } },
    routes: [
      {
        id: 'invoices',
        path: '/companies/:companyId/data/invoices',
        methods: ['POST'],
        upstream: 'qbo',
        validation: {
          body: {
            type: 'object',
            required: ['customerRef'],
            properties: {
              amount: { type: 'number', minimum: 0, 'x-rule': 'InvoiceAmount', 'x-message': 'Amount must not be negative' },
              note: { type: 'string', maxLength: 10, 'x-fatal': false, 'x-rule': 'NoteLength', 'x-message': 'Note will be truncated to 10 characters' },
            },
          },
        },
      },
      { id: 'invoice', path: '/companies/:companyId/data/invoices/:invoiceId', upstream: 'qbo' },
    ],
  });
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

describe('codat envelope', () => {
  it('codat envelope: lists validation errors and warnings together with the Codat field names and types', async () => {
    const response = await request(`${portier.url}/companies/c1/data/invoices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: -5, note: 'a rather long note' }),
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/json');
    const body = (await response.body.json()) as Record<string, unknown>;
    expect(body).toEqual({
      statusCode: 400,
      service: 'PublicApi',
      error: 'The request has 2 problem(s); each is listed in errors.',
      correlationId: response.headers['x-correlation-id'],
      validation: {
        errors: [
          { itemId: '/customerRef', message: '/customerRef is required', validatorName: 'required' },
          { itemId: '/amount', message: 'Amount must not be negative', validatorName: 'InvoiceAmount' },
        ],
        warnings: [{ itemId: '/note', message: 'Note will be truncated to 10 characters', validatorName: 'NoteLength' }],
      },
      canBeRetried: 'Unknown',
      detailedErrorCode: 0,
    });
  });

  it('codat envelope: names the integration in service for a normalized upstream error', async () => {
    const response = await request(`${portier.url}/companies/c1/data/invoices/12345`);
    expect(response.statusCode).toBe(404);
    const body = (await response.body.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      statusCode: 404,
      service: 'QuickBooksOnline',
      error: 'Invoice not found for company 360cb9b3 and invoice ID 12345',
      correlationId: response.headers['x-correlation-id'],
    });
    expect(typeof body['canBeRetried']).toBe('string');
  });
});
