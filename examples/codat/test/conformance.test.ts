import { afterAll, beforeAll, expect } from 'vitest';
import { describeSeedConformance } from '../../shared/conformance-suite.js';
import { request } from 'undici';
import { randomUUID } from 'node:crypto';
import { generateKey } from '../../../packages/gateway/src/accounts/keys/key-format.js';
import { ManualClock } from '../../../packages/gateway/test/helpers/gateway.js';
import { waitFor } from '../../../packages/gateway/test/helpers/wait-for.js';
import { codatSeedRows } from '../conformance.js';
import { syncMs } from '../backend.js';
import { basicAuthorization, startCodatExample, type CodatExample, type IssuedCodatKey } from '../start.js';

let example: CodatExample;
let key: IssuedCodatKey;

beforeAll(async () => {
  example = await startCodatExample({ port: 0 });
  key = await example.issueKey();
});
afterAll(async () => {
  await example.close();
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Record<string, unknown>;
}

async function call(
  method: string,
  path: string,
  options: { authorization?: string | null; body?: unknown; headers?: Record<string, string>; on?: CodatExample } = {},
): Promise<Answer> {
  const authorization = options.authorization === undefined ? key.authorization : options.authorization;
  const response = await request(`${(options.on ?? example).url}${path}`, {
    method: method as 'GET',
    headers: {
      ...(authorization === null ? {} : { authorization }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  const text = await response.body.text();
  if (response.statusCode >= 400) expect(response.headers['content-type']).toBe('application/json');
  return { status: response.statusCode, headers: response.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** A Codat error: the status, `statusCode`, `service`, `error`, the correlation ID of the header, string `canBeRetried`. */
function expectCodatError(answer: Answer, status: number, error: string | RegExp, service = 'PublicApi'): void {
  expect(answer.status).toBe(status);
  expect(answer.body).toMatchObject({ statusCode: status, service, correlationId: answer.headers['x-correlation-id'], canBeRetried: 'Unknown', detailedErrorCode: 0 });
  if (typeof error === 'string') expect(answer.body['error']).toBe(error);
  else expect(String(answer.body['error'])).toMatch(error);
  expect(answer.body['validation']).toBeTypeOf('object');
}

interface Company {
  id: string;
  dataConnections: { id: string }[];
}

async function newCompany(as: IssuedCodatKey = key, on: CodatExample = example): Promise<Company> {
  const created = await call('POST', '/companies', { authorization: as.authorization, body: { name: `Company ${randomUUID().slice(0, 8)}` }, on });
  expect(created.status).toBe(200);
  return created.body as unknown as Company;
}

interface PushOperation {
  pushOperationKey: string;
  status: string;
  statusCode: number;
  completedOnUtc?: string;
  errorMessage: string | null;
}

async function settled(location: string, as: IssuedCodatKey = key): Promise<PushOperation> {
  return waitFor(
    async () => {
      const polled = await call('GET', location, { authorization: as.authorization });
      expect(polled.status).toBe(200);
      return polled.body as unknown as PushOperation;
    },
    { what: `operation ${location} to leave Pending`, until: (operation) => operation.status !== 'Pending' },
  );
}

/**
 * An example on a hand-driven clock, for the rows that take days (trial, key rotation grace) or turn on
 * the time of day; it starts at `startMs` (default: now).
 */
async function withClock(run: (clocked: CodatExample, clock: ManualClock) => Promise<void>, startMs = Date.now()): Promise<void> {
  const clock = new ManualClock(startMs);
  const clocked = await startCodatExample({ port: 0, clock });
  try {
    await run(clocked, clock);
  } finally {
    await clocked.close();
  }
}

const zeroCorrelation = '00000000-0000-0000-0000-000000000000';
const day = 86_400_000;

const cases: Record<string, () => Promise<void>> = {
  'codat 200': async () => {
    const company = await newCompany();
    const listed = await call('GET', '/companies');
    expect(listed.status).toBe(200);
    expect((listed.body['results'] as Company[]).map((item) => item.id)).toContain(company.id);
    expect(listed.headers['x-rate-limit-limit']).toBe('12000');
    expect(Number(listed.headers['x-rate-limit-remaining'])).toBeLessThan(12000);
  },
  'codat 202': async () => {
    // An account of its own: its company's day stays the tightest limit, whatever the other rows spent.
    const own = await example.issueKey();
    const company = await newCompany(own);
    const path = `/companies/${company.id}/connections/${company.dataConnections[0]?.id ?? ''}/push/invoices`;
    const before = example.pushesApplied();
    const idempotencyKey = randomUUID();
    const accepted = await call('POST', path, { authorization: own.authorization, body: { amount: 120 }, headers: { 'idempotency-key': idempotencyKey } });
    expect(accepted.status).toBe(202);
    const operation = accepted.body as unknown as PushOperation;
    expect(operation).toMatchObject({ status: 'Pending', statusCode: 202, companyId: company.id, dataType: 'invoices' });
    expect(operation.completedOnUtc).toBeUndefined();
    expect(accepted.headers['location']).toBe(`/companies/${company.id}/push/${operation.pushOperationKey}`);
    const repeated = await call('POST', path, { authorization: own.authorization, body: { amount: 120 }, headers: { 'idempotency-key': idempotencyKey } });
    expect(repeated.headers['idempotent-replayed']).toBe('true');
    expect(repeated.body['pushOperationKey']).toBe(operation.pushOperationKey);
    const mismatch = await call('POST', path, { authorization: own.authorization, body: { amount: 121 }, headers: { 'idempotency-key': idempotencyKey } });
    expectCodatError(mismatch, 422, /Idempotency-Key/);
    expect((await settled(String(accepted.headers['location']), own)).status).toBe('Success');
    expect(example.pushesApplied() - before).toBe(1);
    // Polling is an API call like any other: it counts against the company's day and says so.
    const polled = await call('GET', String(accepted.headers['location']), { authorization: own.authorization });
    expect(polled.headers['x-rate-limit-limit']).toBe('1000');
    expect(Number(polled.headers['x-rate-limit-remaining'])).toBeLessThan(1000);
  },
  'codat 400': async () => {
    const missing = await call('POST', '/companies', { body: { description: 'no name' } });
    expectCodatError(missing, 400, /1 problem/);
    expect(missing.body['validation']).toEqual({ errors: [{ itemId: '/name', message: '/name is required', validatorName: 'required' }], warnings: [] });
    expectCodatError(await call('POST', '/companies', { body: '{"name": "Acme",' }), 400, /^The body is not valid JSON: .*\(line 1, column \d+\)\.$/);
  },
  'codat 401': async () => {
    const unknown = generateKey({ instance: 'codat', environment: 'live' }).secret;
    expectCodatError(await call('GET', '/companies', { authorization: basicAuthorization(unknown) }), 401, 'The API key is not valid.');
    expectCodatError(await call('GET', '/companies', { authorization: null }), 401, /Basic/);
    const notEncoded = await call('GET', '/companies', { authorization: `Basic ${key.secret}` });
    expect(notEncoded.status).toBe(401);
    expect(String(notEncoded.body['error'])).toMatch(/Base64/i);
    expectCodatError(await call('GET', '/companies', { authorization: `Bearer ${key.secret}` }), 401, /Basic/);
  },
  'codat 402 company limit': async () => {
    const owner = await example.issueKey();
    await example.admin.setEntityCount(owner.accountId, 'companies', 49);
    const fiftieth = await newCompany(owner);
    const refused = await call('POST', '/companies', { authorization: owner.authorization, body: { name: 'One too many' } });
    expect(refused.body['correlationId']).toBe(refused.headers['x-correlation-id']);
    expect({ status: refused.status, body: { ...refused.body, correlationId: zeroCorrelation } }).toEqual({
      status: 402,
      body: {
        statusCode: 402,
        service: 'PublicApi',
        error: 'CompanyValidationException: Company limit exceeded',
        correlationId: zeroCorrelation,
        validation: {
          errors: [{ itemId: 'Company', message: 'Company limit exceeded. Learn more at https://docs.codat.io/using-the-api/errors', validatorName: 'CreateCompany' }],
          warnings: [],
        },
        canBeRetried: 'Unknown',
        detailedErrorCode: 0,
      },
    });
    // "Delete the companies you no longer need and retry": a delete frees the slot.
    expect((await call('DELETE', `/companies/${fiftieth.id}`, { authorization: owner.authorization })).status).toBe(204);
    expect((await call('POST', '/companies', { authorization: owner.authorization, body: { name: 'Now it fits' } })).status).toBe(200);
  },
  'codat 402 sync schedule': async () => {
    const settings = (companyId: string, syncSchedule: number) => ({
      companyId,
      overridesDefaults: true,
      settings: [
        { dataType: 'invoices', fetchOnFirstLink: true, syncSchedule: 24, syncOrder: 0 },
        { dataType: 'bills', fetchOnFirstLink: true, syncSchedule, syncOrder: 1 },
      ],
    });
    const company = await newCompany();
    const hourly = await call('POST', `/companies/${company.id}/syncSettings`, { body: settings(company.id, 1) });
    expectCodatError(hourly, 402, 'SyncSettingsValidationException: Sync schedule not allowed');
    expect((await call('POST', `/companies/${company.id}/syncSettings`, { body: settings(company.id, 48) })).status).toBe(204);
    const paid = await example.issueKey({ plan: 'standard' });
    const paidCompany = await newCompany(paid);
    expect((await call('POST', `/companies/${paidCompany.id}/syncSettings`, { authorization: paid.authorization, body: settings(paidCompany.id, 1) })).status).toBe(204);
  },
  'codat 402 account expired': () =>
    withClock(async (clocked, clock) => {
      const trial = await clocked.issueKey();
      const company = await newCompany(trial, clocked);
      const pushed = await call('POST', `/companies/${company.id}/connections/${company.dataConnections[0]?.id ?? ''}/push/invoices`, {
        authorization: trial.authorization,
        body: { amount: 1 },
        on: clocked,
      });
      clock.advance(366 * day);
      // Any endpoint, the gateway's own included: polling an operation is 402 too.
      const polled = await call('GET', String(pushed.headers['location']), { authorization: trial.authorization, on: clocked });
      expect({ status: polled.status, error: polled.body['error'] }).toEqual({ status: 402, error: 'Payment Required' });
      const expired = await call('GET', '/companies', { authorization: trial.authorization, on: clocked });
      expect({ ...expired.body, correlationId: zeroCorrelation }).toEqual({
        statusCode: 402,
        service: 'PublicApi',
        error: 'Payment Required',
        correlationId: zeroCorrelation,
        validation: { errors: [{ message: 'Account expired. Learn more at https://docs.codat.io/using-the-api/errors' }], warnings: [] },
        canBeRetried: 'Unknown',
        detailedErrorCode: 0,
      });
      expect(expired.body['correlationId']).toBe(expired.headers['x-correlation-id']);
    }),
  'codat 403 obsolete key': () =>
    withClock(async (clocked, clock) => {
      const old = await clocked.issueKey();
      const rotated = await clocked.admin.rotateKey(old.keyId);
      expect((await call('GET', '/companies', { authorization: old.authorization, on: clocked })).status).toBe(200);
      clock.advance(day + 1000);
      expectCodatError(await call('GET', '/companies', { authorization: old.authorization, on: clocked }), 403, /^This API key was replaced at .* and its grace period is over\.$/);
      expect((await call('GET', '/companies', { authorization: basicAuthorization(rotated.secret), on: clocked })).status).toBe(200);
    }),
  'codat 403 key not bound': async () => {
    const [mine, other] = [await newCompany(), await newCompany()];
    const bound = await example.addKey(key.accountId, { bindings: [mine.id] });
    expect((await call('GET', `/companies/${mine.id}`, { authorization: bound.authorization })).status).toBe(200);
    expectCodatError(await call('GET', `/companies/${other.id}`, { authorization: bound.authorization }), 403, `This API key is not bound to the companyId "${other.id}".`);
  },
  'codat 403 downstream not accessible': async () => {
    const company = await newCompany();
    const connection = company.dataConnections[0]?.id ?? '';
    const unlinked = await call('PATCH', `/companies/${company.id}/connections/${connection}`, { body: { status: 'Unlinked' } });
    expect(unlinked.body['status']).toBe('Unlinked');
    expectCodatError(await call('GET', `/companies/${company.id}/data/invoices/1/pdf`), 403, /unlinked/, 'QuickBooksOnline');
  },
  'codat 403 not authorized': async () => {
    const narrow = await example.addKey(key.accountId, { scopes: [] });
    expectCodatError(await call('GET', '/webhooks', { authorization: narrow.authorization }), 403, 'This API key lacks the permission webhooks:read.');
    expect((await call('GET', '/webhooks')).status).toBe(200);
  },
  'codat 404 not found': async () => {
    const missing = randomUUID();
    expectCodatError(await call('GET', `/companies/${missing}`), 404, `Company ${missing} not found`);
    expectCodatError(await call('GET', '/companys'), 404, 'No route matches GET /companys.');
  },
  'codat 404 datatype not supported': async () => {
    const company = await newCompany();
    expectCodatError(await call('POST', `/companies/${company.id}/data/queue/commerce-orders`), 404, 'Datatype commerce-orders not supported by platform(s) QuickBooks Online');
  },
  'codat 405': async () => {
    const answer = await call('DELETE', '/companies');
    expectCodatError(answer, 405, 'DELETE is not allowed on /companies. Allowed: GET, HEAD, POST.');
    expect(answer.headers['allow']).toBe('GET, HEAD, POST');
  },
  'codat 409 not ready': async () => {
    const company = await newCompany();
    expectCodatError(await call('GET', `/companies/${company.id}/data/invoices`), 409, /has not been requested/);
    const queued = await call('POST', `/companies/${company.id}/data/queue/invoices`);
    expect(queued.body).toMatchObject({ dataType: 'invoices', status: 'Initial', isCompleted: false });
    expectCodatError(await call('GET', `/companies/${company.id}/data/invoices`), 409, /still syncing/);
    // The example backend finishes a sync `syncMs` after it was queued, on its own (real) clock.
    const synced = await waitFor(() => call('GET', `/companies/${company.id}/data/invoices`), {
      what: `the invoices sync to finish (${syncMs} ms after it was queued)`,
      until: (answer) => answer.status !== 409,
    });
    expect(synced.status).toBe(200);
  },
  'codat 409 more than 10 API keys': async () => {
    const owner = await example.issueKey();
    for (let i = 2; i <= 10; i++) expect((await call('POST', '/apiKeys', { authorization: owner.authorization, body: { name: `key ${i}` } })).status).toBe(201);
    expectCodatError(await call('POST', '/apiKeys', { authorization: owner.authorization, body: { name: 'key 11' } }), 409, 'An account can have at most 10 active API keys.');
    const listed = await call('GET', '/apiKeys', { authorization: owner.authorization });
    expect((listed.body['results'] as unknown[]).length).toBe(10);
  },
  'codat 429': () =>
    // At a fixed instant on the gateway's clock, so the day's window (and its reset at midnight UTC) is
    // known, whatever time of day the test runs.
    withClock(async (clocked, clock) => {
      const busy = await clocked.issueKey();
      const [company, quiet] = [await newCompany(busy, clocked), await newCompany(busy, clocked)];
      const get = (id: string) => call('GET', `/companies/${id}`, { authorization: busy.authorization, on: clocked });
      for (let sent = 0; sent < 1000; sent += 50) {
        const batch = await Promise.all(Array.from({ length: 50 }, () => get(company.id)));
        expect(batch.every((answer) => answer.status === 200)).toBe(true);
      }
      const refused = await get(company.id);
      expectCodatError(refused, 429, /^The limit of 1000 requests per day \("company-day"\) is used up/);
      expect(refused.headers['x-rate-limit-limit']).toBe('1000');
      expect(refused.headers['x-rate-limit-remaining']).toBe('0');
      expect(Number(refused.headers['x-rate-limit-reset'])).toBe(Date.UTC(2026, 0, 16) / 1000);
      expect(Number(refused.headers['retry-after'])).toBe((Date.UTC(2026, 0, 16) - clock.now()) / 1000);
      expect((await get(quiet.id)).status).toBe(200);
    }, Date.UTC(2026, 0, 15, 12)),
  'codat 500': async () => {
    const company = await newCompany();
    expectCodatError(await call('GET', `/companies/${company.id}/dataStatus?fail=500`), 500, 'An internal error occurred. Please try again later.');
  },
  'codat 503 maintenance': async () => {
    example.gateway.maintenance.setGlobal({ enabled: true });
    try {
      const answer = await call('GET', '/companies');
      expectCodatError(answer, 503, 'The Codat API is temporarily offline for maintenance. Please try again later.');
      expect(answer.headers['retry-after']).toBe('60');
    } finally {
      example.gateway.maintenance.setGlobal({ enabled: false });
    }
    expect((await call('GET', '/companies')).status).toBe(200);
  },
  'codat correlation ID': async () => {
    const company = await newCompany();
    const correlationId = randomUUID();
    const answer = await call('GET', `/companies/${company.id}/data/invoices/12345/pdf`, { headers: { 'x-correlation-id': correlationId } });
    expect(answer.headers['x-correlation-id']).toBe(correlationId);
    expect(answer.body).toMatchObject({
      statusCode: 404,
      service: 'QuickBooksOnline',
      error: `InvoicePdfNotFoundException: Invoice not found for company ${company.id} and invoice ID 12345`,
      correlationId,
    });
  },
  'codat async write status codes': async () => {
    const company = await newCompany();
    const base = `/companies/${company.id}/connections/${company.dataConnections[0]?.id ?? ''}/push`;
    const written = await call('POST', `${base}/customers`, { body: { name: 'Jane' } });
    expect(written.status).toBe(202);
    const done = await settled(String(written.headers['location']));
    expect(done).toMatchObject({ status: 'Success', statusCode: 201, errorMessage: null });
    expect(Date.parse(done.completedOnUtc ?? '')).not.toBeNaN();
    const refused = await call('POST', `${base}/commerce-orders`, { body: { total: 1 } });
    expect(refused.status).toBe(202);
    expect(await settled(String(refused.headers['location']))).toMatchObject({
      status: 'Failed',
      statusCode: 404,
      errorMessage: 'Datatype commerce-orders not supported by platform(s) QuickBooks Online',
    });
  },
};

describeSeedConformance('Codat seed, reproduced by Portier', codatSeedRows, cases);
