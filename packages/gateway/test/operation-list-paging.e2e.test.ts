import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { parseConfig } from '../src/config-loader/load-config.js';
import { formatConfigProblem } from '../src/config/config-problem.js';
import { ManualClock, startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';

/**
 * `operations.list`: numbered pages (`?page=&pageSize=`, with the total) and a templated answer, the
 * shape of Codat's paged lists (`results`, `pageNumber`, `pageSize`, `totalResults`, HAL `_links`).
 */
let upstream: TestUpstream;
let portier: TestGateway;
let secret: string;
const clock = new ManualClock();

const codatList = {
  results: '{operations}',
  pageNumber: '{page}',
  pageSize: '{pageSize}',
  totalResults: '{total}',
  _links: { self: '{links.self}', current: '{links.current}', next: '{links.next?}', previous: '{links.previous?}' },
};

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 201, { id: 'inv_1' }));
  const config = {
    auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
    plans: { free: {} },
    operations: { path: '/companies/:companyId/push', body: { pushOperationKey: '{id}', status: '{status}' }, list: { paging: 'page', body: codatList } },
    upstreams: { app: { url: upstream.url } },
    routes: [{ id: 'push', path: '/companies/:companyId/push/:dataType', methods: ['POST'], upstream: 'app', auth: {}, async: {} }],
  };
  portier = await startGateway(config, { clock });
  const admin = adminOf(portier, config);
  const account = await admin.createAccount('lister', 'free');
  secret = (await admin.createKey({ accountId: account.id, name: 'k' })).secret;
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

async function list(path: string): Promise<{ status: number; link: unknown; body: Record<string, unknown> }> {
  const response = await request(`${portier.url}${path}`, { headers: { authorization: `Bearer ${secret}` } });
  return { status: response.statusCode, link: response.headers['link'], body: (await response.body.json()) as Record<string, unknown> };
}

describe('operation list: numbered pages and a templated answer', () => {
  it('operations list: pages by ?page=&pageSize= with the total and HAL links, next and previous only where they exist', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 3; i++) {
      const accepted = await request(`${portier.url}/companies/c1/push/invoices`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: '{}' });
      keys.push(((await accepted.body.json()) as { pushOperationKey: string }).pushOperationKey);
      // Newest first is by request time (the gateway's clock): keep the three apart.
      clock.advance(1000);
    }
    const first = await list('/companies/c1/push?page=1&pageSize=2');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      results: [keys[2], keys[1]].map((key) => ({ pushOperationKey: key, status: expect.any(String) })),
      pageNumber: 1,
      pageSize: 2,
      totalResults: 3,
      _links: { self: { href: '/companies/c1/push' }, current: { href: '/companies/c1/push?page=1&pageSize=2' }, next: { href: '/companies/c1/push?page=2&pageSize=2' } },
    });
    expect(first.link).toBe('</companies/c1/push?page=2&pageSize=2>; rel="next"');
    const second = await list('/companies/c1/push?page=2&pageSize=2');
    expect(second.body).toMatchObject({ pageNumber: 2, totalResults: 3, _links: { previous: { href: '/companies/c1/push?page=1&pageSize=2' } } });
    expect((second.body['results'] as { pushOperationKey: string }[]).map((item) => item.pushOperationKey)).toEqual([keys[0]]);
    expect(second.body['_links']).not.toHaveProperty('next');
    expect(second.link).toBeUndefined();
    // Defaults: page 1 of 20; another company has none.
    expect((await list('/companies/c1/push')).body).toMatchObject({ pageNumber: 1, pageSize: 20, totalResults: 3 });
    expect((await list('/companies/c2/push')).body).toMatchObject({ results: [], totalResults: 0 });
  });

  it('operations list: a page or page size out of range is 400 bad_request naming the parameter', async () => {
    for (const [query, reason] of [['page=0', 'page must be an integer from 1'], ['pageSize=101', 'pageSize must be an integer from 1 to 100'], ['page=x', 'page must be an integer from 1']] as const) {
      const response = await request(`${portier.url}/companies/c1/push?${query}`, { headers: { authorization: `Bearer ${secret}` } });
      const problem = await expectProblem(response, 400, 'bad_request');
      expect(problem.detail).toContain(reason);
    }
  });

  it('operations list: config check refuses a list template naming an unknown field', () => {
    const text = [
      'auth: { instance: eu1, store: { sqlitePath: ./x.db } }',
      'operations: { path: /ops, list: { body: { items: "{operations}", count: "{size}" } } }',
      'upstreams: { app: { url: "http://127.0.0.1:9000" } }',
      'routes: [{ id: push, path: /push, methods: [POST], upstream: app, auth: {}, async: {} }]',
    ].join('\n');
    const result = parseConfig(text, 'portier.yaml', {});
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems.map(formatConfigProblem);
    expect(problems.some((line) => line.includes('operations.list.body: unknown field "{size}" in the operation list template'))).toBe(true);
  });
});
