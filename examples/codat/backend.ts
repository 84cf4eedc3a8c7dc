import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ExampleBackend } from '../shared/start-example.js';
import { readBody, sendJson, startJsonServer } from '../shared/json-server.js';

/** The one integration of the example: every company is linked to QuickBooks Online. */
export const platform = { name: 'QuickBooks Online', key: 'qhyg' } as const;
/** Data types QuickBooks Online supports here; others are 404 `Datatype [name] not supported by platform(s) [name]`. */
export const supportedDataTypes = ['invoices', 'customers', 'bills', 'payments', 'chartOfAccounts'] as const;
/** How long a queued dataset takes to sync; reading it before is 409 (the resource is not ready). */
export const syncMs = 1000;

interface Connection {
  id: string;
  integrationId: string;
  integrationKey: string;
  sourceId: string;
  sourceType: 'Accounting';
  platformName: string;
  linkUrl: string;
  status: 'Linked' | 'Unlinked';
  created: string;
}

interface Company {
  id: string;
  name: string;
  description?: string;
  redirect: string;
  created: string;
  products: string[];
  tags: Record<string, string>;
  dataConnections: Connection[];
}

/** A dataset sync request (Codat's pull operation): complete `syncMs` after it was queued. */
interface PullOperation {
  readonly id: string;
  readonly companyId: string;
  readonly connectionId: string;
  readonly dataType: string;
  readonly requestedAt: number;
}

interface CompanyState {
  readonly company: Company;
  syncSettings: unknown[];
  /** Dataset sync requests by data type: when each was queued. */
  readonly queued: Map<string, number>;
  /** Every dataset sync request, oldest first. */
  readonly pulls: PullOperation[];
  /** Records pushed by data type, and the Idempotency-Keys already applied (the operation ids). */
  readonly pushed: Map<string, unknown[]>;
  readonly applied: Map<string, unknown>;
}

/**
 * A small stand-in for Codat's platform and its QuickBooks Online integration behind Portier: it holds
 * companies per account (Portier sends `X-Portier-Account-Id`), their connection, sync settings,
 * datasets and pushed records, and knows what only a backend can know: a company or invoice that does
 * not exist, a data type the platform does not support, a dataset not synced yet, an unlinked connection.
 * Keys, plans, limits, validation and the async flow are Portier's job. `GET .../dataStatus?fail=500`
 * fails, for the 500 row of the seed. Integration errors come from `/integration/...` (Portier's second upstream,
 * named QuickBooksOnline in errors).
 */
export function startCodatBackend(): Promise<ExampleBackend & { pushesApplied(): number }> {
  const accounts = new Map<string, Map<string, CompanyState>>();
  let applied = 0;

  const companiesOf = (req: IncomingMessage): Map<string, CompanyState> => {
    const account = String(req.headers['x-portier-account-id'] ?? '');
    let companies = accounts.get(account);
    if (companies === undefined) accounts.set(account, (companies = new Map()));
    return companies;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://backend');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const text = await readBody(req);
    const body = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
    const companies = companiesOf(req);
    const notFound = (what: string): void => sendJson(res, 404, { error: `${what} not found` });

    if (path === '/companies' && method === 'GET') {
      const results = [...companies.values()].map((state) => state.company);
      const self = { href: '/companies' };
      return sendJson(res, 200, { results, pageNumber: 1, pageSize: 100, totalResults: results.length, _links: { self, current: { href: '/companies?page=1&pageSize=100' } } });
    }
    if (path === '/companies' && method === 'POST') {
      const company = newCompany(String(body['name']), typeof body['description'] === 'string' ? body['description'] : undefined);
      companies.set(company.id, { company, syncSettings: defaultSyncSettings(), queued: new Map(), pulls: [], pushed: new Map(), applied: new Map() });
      return sendJson(res, 200, company);
    }
    if (path === '/webhooks' && method === 'GET') return sendJson(res, 200, { results: [] });

    const integration = /^\/integration\/companies\/([^/]+)\/(.+)$/.exec(path);
    if (integration !== null) return handleIntegration(res, companies.get(integration[1] ?? ''), integration[2] ?? '', method, body, req);

    const match = /^\/companies\/([^/]+)(?:\/(.*))?$/.exec(path);
    const state = match === null ? undefined : companies.get(match[1] ?? '');
    if (match === null) return notFound('Resource');
    if (state === undefined) return sendJson(res, 404, { error: `Company ${match[1] ?? ''} not found` });
    const rest = match[2] ?? '';
    const { company } = state;

    if (rest === '' && method === 'GET') return sendJson(res, 200, company);
    if (rest === '' && method === 'DELETE') {
      companies.delete(company.id);
      res.writeHead(204).end();
      return;
    }
    if (rest === 'syncSettings' && method === 'GET') return sendJson(res, 200, { companyId: company.id, settings: state.syncSettings, overridesDefaults: true });
    if (rest === 'syncSettings' && method === 'POST') {
      state.syncSettings = Array.isArray(body['settings']) ? body['settings'] : [];
      res.writeHead(204).end();
      return;
    }
    if (rest === 'dataStatus') {
      if (url.searchParams.get('fail') === '500') throw new Error('the data status store is down (asked for, for the 500 row)');
      return sendJson(res, 200, dataStatuses(state));
    }
    if (rest === 'data/history' && method === 'GET') return sendJson(res, 200, pullHistory(state, url));
    const connection = /^connections\/([^/]+)$/.exec(rest);
    if (connection !== null && method === 'PATCH') {
      const found = company.dataConnections.find((item) => item.id === connection[1]);
      if (found === undefined) return notFound(`Connection ${connection[1] ?? ''}`);
      if (body['status'] === 'Unlinked') found.status = 'Unlinked';
      return sendJson(res, 200, found);
    }
    const queue = /^data\/queue\/([^/]+)$/.exec(rest);
    if (queue !== null && method === 'POST') {
      const dataType = queue[1] ?? '';
      if (!isSupported(dataType)) return unsupported(res, dataType);
      const now = Date.now();
      state.queued.set(dataType, now);
      const pull = { id: randomUUID(), companyId: company.id, connectionId: company.dataConnections[0]?.id ?? '', dataType, requestedAt: now };
      state.pulls.push(pull);
      return sendJson(res, 200, describePull(pull, now));
    }
    const read = /^data\/([^/]+)$/.exec(rest);
    if (read !== null && method === 'GET') {
      const dataType = read[1] ?? '';
      if (!isSupported(dataType)) return unsupported(res, dataType);
      const queuedAt = state.queued.get(dataType);
      if (queuedAt === undefined) {
        return sendJson(res, 409, { error: `The ${dataType} dataset has not been requested: queue it with POST /companies/${company.id}/data/queue/${dataType}` });
      }
      if (Date.now() - queuedAt < syncMs) return sendJson(res, 409, { error: `The ${dataType} dataset is still syncing: try again shortly` });
      return sendJson(res, 200, { results: state.pushed.get(dataType) ?? [], pageNumber: 1, pageSize: 100 });
    }
    return notFound('Resource');
  }

  /** What QuickBooks Online answers: an unlinked connection refuses access, an unknown invoice has no PDF. */
  function handleIntegration(res: ServerResponse, state: CompanyState | undefined, rest: string, method: string, body: unknown, req: IncomingMessage): void {
    if (state === undefined) return sendJson(res, 404, { error: 'Company not found' });
    const { company } = state;
    const [connection] = company.dataConnections;
    if (connection === undefined || connection.status !== 'Linked') {
      return sendJson(res, 403, { error: `Access to ${platform.name} was refused: the data connection of company ${company.id} is unlinked. Link it again, then retry.` });
    }
    const pdf = /^data\/invoices\/([^/]+)\/pdf$/.exec(rest);
    if (pdf !== null && method === 'GET') {
      return sendJson(res, 404, { error: `InvoicePdfNotFoundException: Invoice not found for company ${company.id} and invoice ID ${pdf[1] ?? ''}` });
    }
    const push = /^connections\/([^/]+)\/push\/([^/]+)$/.exec(rest);
    if (push !== null && method === 'POST') {
      const dataType = push[2] ?? '';
      if (!isSupported(dataType)) return unsupported(res, dataType);
      // Portier forwards each operation with its id as Idempotency-Key: a retry is answered, not applied again.
      const key = String(req.headers['idempotency-key'] ?? randomUUID());
      const known = state.applied.get(key);
      if (known !== undefined) return sendJson(res, 201, known);
      const record = { id: randomUUID(), ...(body as object) };
      state.pushed.set(dataType, [...(state.pushed.get(dataType) ?? []), record]);
      state.applied.set(key, record);
      applied += 1;
      return sendJson(res, 201, record);
    }
    return sendJson(res, 404, { error: 'Resource not found' });
  }

  return startJsonServer(handle, { error: 'An internal error occurred. Please try again later.' }).then((server) => ({ ...server, pushesApplied: () => applied }));
}

/** A pull operation as Codat shows it: `Initial` when just queued, `Complete` once synced. */
function describePull(pull: PullOperation, now: number): Record<string, unknown> {
  const done = now - pull.requestedAt >= syncMs;
  return {
    id: pull.id,
    companyId: pull.companyId,
    connectionId: pull.connectionId,
    dataType: pull.dataType,
    status: done ? 'Complete' : 'Initial',
    requested: new Date(pull.requestedAt).toISOString(),
    ...(done ? { completed: new Date(pull.requestedAt + syncMs).toISOString() } : {}),
    progress: done ? 100 : 0,
    isCompleted: done,
    isErrored: false,
  };
}

/** `GET /companies/{id}/data/history?page=&pageSize=`: the pull operations, newest first, as Codat's paged list. */
function pullHistory(state: CompanyState, url: URL): Record<string, unknown> {
  const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
  const pageSize = Math.min(5000, Math.max(1, Number(url.searchParams.get('pageSize') ?? 100) || 100));
  const newestFirst = [...state.pulls].reverse();
  const now = Date.now();
  const self = `/companies/${state.company.id}/data/history`;
  const link = (number: number): { href: string } => ({ href: `${self}?page=${number}&pageSize=${pageSize}` });
  return {
    results: newestFirst.slice((page - 1) * pageSize, page * pageSize).map((pull) => describePull(pull, now)),
    pageNumber: page,
    pageSize,
    totalResults: newestFirst.length,
    _links: { self: { href: self }, current: link(page), ...(page * pageSize < newestFirst.length ? { next: link(page + 1) } : {}), ...(page > 1 ? { previous: link(page - 1) } : {}) },
  };
}

/** `GET /companies/{id}/dataStatus`: per data type queued, its latest sync and whether it is done. */
function dataStatuses(state: CompanyState): Record<string, unknown> {
  const now = Date.now();
  const statuses: Record<string, unknown> = {};
  for (const pull of state.pulls) {
    const done = now - pull.requestedAt >= syncMs;
    const previous = statuses[pull.dataType] as { latestSuccessfulSyncId?: string; lastSuccessfulSync?: string } | undefined;
    statuses[pull.dataType] = {
      dataType: pull.dataType,
      currentStatus: done ? 'Complete' : 'Queued',
      latestSyncId: pull.id,
      ...(done ? { latestSuccessfulSyncId: pull.id, lastSuccessfulSync: new Date(pull.requestedAt + syncMs).toISOString() } : previous?.latestSuccessfulSyncId === undefined ? {} : { latestSuccessfulSyncId: previous.latestSuccessfulSyncId, lastSuccessfulSync: previous.lastSuccessfulSync }),
    };
  }
  return statuses;
}

function isSupported(dataType: string): boolean {
  return (supportedDataTypes as readonly string[]).includes(dataType);
}

function unsupported(res: ServerResponse, dataType: string): void {
  sendJson(res, 404, { error: `Datatype ${dataType} not supported by platform(s) ${platform.name}` });
}

function newCompany(name: string, description: string | undefined): Company {
  const id = randomUUID();
  const created = new Date().toISOString();
  return {
    id,
    name,
    ...(description === undefined ? {} : { description }),
    redirect: `https://link.codat.io/company/${id}`,
    created,
    products: ['accounting'],
    tags: {},
    dataConnections: [
      {
        id: randomUUID(),
        integrationId: 'bf083d72-62c7-493e-aec9-81b4dbba7e2c',
        integrationKey: platform.key,
        sourceId: '8a156a5a-39cb-4f9d-856e-76ef9b9a9607',
        sourceType: 'Accounting',
        platformName: platform.name,
        linkUrl: `https://link-api.codat.io/companies/${id}/connections/link`,
        status: 'Linked',
        created,
      },
    ],
  };
}

function defaultSyncSettings(): unknown[] {
  return supportedDataTypes.map((dataType, syncOrder) => ({ dataType, fetchOnFirstLink: true, syncSchedule: 24, syncOrder }));
}
