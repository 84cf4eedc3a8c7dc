import { describe, expect, it } from 'vitest';
import { renderOperationBody, unknownTemplateFields } from '../src/operations/operation-body.js';
import type { Operation } from '../src/operations/operation.js';

const requestedAt = Date.UTC(2026, 10, 22, 9, 0, 0);

function operation(overrides: Partial<Operation> = {}): Operation {
  return {
    id: 'op_1',
    accountId: 'acc_1',
    routeId: 'push',
    method: 'POST',
    url: '/companies/c1/connections/d1/push/invoices',
    params: { companyId: 'c1', connectionId: 'd1', dataType: 'invoices' },
    headers: [],
    body: undefined,
    correlationId: 'corr',
    status: 'Pending',
    attempts: 0,
    requestedAt,
    deadlineAt: requestedAt + 3_600_000,
    nextAttemptAt: requestedAt,
    leaseUntil: 0,
    completedAt: undefined,
    result: undefined,
    error: undefined,
    webhookState: undefined,
    webhookAttempts: 0,
    ...overrides,
  };
}

const context = { location: '/companies/c1/push/op_1', errorView: undefined };
const codatTemplate = {
  pushOperationKey: '{id}',
  companyId: '{params.companyId}',
  status: '{status}',
  statusCode: '{statusCode ?? 202}',
  requestedOnUtc: '{requestedOnUtc}',
  completedOnUtc: '{completedOnUtc?}',
  note: 'operation {id} of {params.companyId}',
  list: ['{completedOnUtc?}', '{attempts}'],
};

describe('operation body templates', () => {
  it('operation body: a pending operation leaves out `{field?}` members and takes the `??` fallback', () => {
    expect(renderOperationBody(codatTemplate, operation(), context)).toEqual({
      pushOperationKey: 'op_1',
      companyId: 'c1',
      status: 'Pending',
      statusCode: 202,
      requestedOnUtc: '2026-11-22T09:00:00.000Z',
      note: 'operation op_1 of c1',
      list: [0],
    });
  });

  it('operation body: a finished operation shows the real values instead', () => {
    const done = operation({ status: 'Success', attempts: 1, completedAt: requestedAt + 1500, result: { status: 201, headers: [], body: undefined } });
    expect(renderOperationBody(codatTemplate, done, context)).toMatchObject({
      statusCode: 201,
      completedOnUtc: '2026-11-22T09:00:01.500Z',
      list: ['2026-11-22T09:00:01.500Z', 1],
    });
  });

  it('operation body: a dotted name reads a member of a field (the failure\'s detail), null when there is none', () => {
    const template = { errorMessage: '{error.detail}', upstream: '{response.status?}', missing: '{params.nope}' };
    expect(renderOperationBody(template, operation(), context)).toEqual({ errorMessage: null, missing: null });
    const failed = operation({ status: 'Failed', completedAt: requestedAt, result: { status: 404, headers: [], body: undefined } });
    const view = { code: 'upstream_client_error', status: 404, title: 'Rejected', detail: 'Datatype x not supported', service: 'PublicApi' } as never;
    expect(renderOperationBody(template, { ...failed, error: { code: 'upstream_client_error', status: 404, params: {} } }, { ...context, errorView: view })).toEqual({
      errorMessage: 'Datatype x not supported',
      upstream: 404,
      missing: null,
    });
  });

  it('operation body: a fallback that is not JSON is text; an unknown field is reported with either form', () => {
    expect(renderOperationBody({ state: '{completedOnUtc ?? not yet}' }, operation(), context)).toEqual({ state: 'not yet' });
    expect(unknownTemplateFields({ a: '{colour?}', b: '{size ?? 1}', c: '{statusCode ?? 202}', d: '{params.x?}', e: '{error.detail}', f: '{params}', g: '{colour.x}' })).toEqual([
      'colour',
      'size',
      'params',
      'colour.x',
    ]);
  });
});
