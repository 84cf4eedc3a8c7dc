import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ExampleBackend } from '../shared/start-example.js';
import { readBody, sendJson, startJsonServer } from '../shared/json-server.js';

/**
 * A small stand-in for a SeaTable base server behind Portier: rows and metadata of the bases it is
 * asked about, in SeaTable's answer shapes, and the errors only a backend can know (a table or a row
 * that does not exist). Authentication, limits and the envelopes of gateway errors are Portier's job.
 */
export type SeatableBackend = ExampleBackend;

interface Row {
  _id: string;
  [column: string]: unknown;
}

export function startSeatableBackend(): Promise<SeatableBackend> {
  const tables = new Map<string, Map<string, Row[]>>();
  const tablesOf = (uuid: string): Map<string, Row[]> => {
    let base = tables.get(uuid);
    if (base === undefined) {
      base = new Map([['Contacts', [{ _id: 'r1', Name: 'Ada', Email: 'ada@example.com' }]]]);
      tables.set(uuid, base);
    }
    return base;
  };
  return startJsonServer((req, res) => handle(req, res, tablesOf), { error_msg: 'Internal Server Error' });
}

async function handle(req: IncomingMessage, res: ServerResponse, tablesOf: (uuid: string) => Map<string, Row[]>): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://backend');
  const match = /^\/api-gateway\/api\/v2\/dtables\/([^/]+)\/(metadata|rows)\/(?:([^/]+)\/)?$/.exec(url.pathname);
  if (match === null) return sendJson(res, 404, { error_msg: 'Not found.' });
  const [, uuid, kind, rowId] = match as unknown as [string, string, string, string | undefined];
  const base = tablesOf(decodeURIComponent(uuid));
  if (kind === 'metadata') {
    const metadata = { tables: [...base.keys()].map((name) => ({ name, columns: [{ name: 'Name', type: 'text' }, { name: 'Email', type: 'email' }] })) };
    return sendJson(res, 200, { metadata });
  }
  if (rowId !== undefined) {
    for (const rows of base.values()) {
      const row = rows.find((item) => item._id === rowId);
      if (row !== undefined) return sendJson(res, 200, row);
    }
    return sendJson(res, 404, { error_msg: 'Row not found.' });
  }
  if (req.method === 'GET') {
    const name = url.searchParams.get('table_name') ?? '';
    const rows = base.get(name);
    if (rows === undefined) return sendJson(res, 404, { error_msg: `Table ${name} not found.` });
    return sendJson(res, 200, { rows });
  }
  const body = JSON.parse((await readBody(req)) || '{}') as { table_name?: string; rows?: Record<string, unknown>[] };
  if (typeof body.table_name !== 'string' || !Array.isArray(body.rows)) return sendJson(res, 400, { error_msg: 'params invalid.' });
  const rows = base.get(body.table_name);
  if (rows === undefined) return sendJson(res, 404, { error_msg: `Table ${body.table_name} not found.` });
  const added = body.rows.map((row) => ({ ...row, _id: randomUUID().slice(0, 22) }));
  rows.push(...added);
  return sendJson(res, 200, { first_row: added[0] ?? null, inserted_row_count: added.length, row_ids: added.map((row) => ({ _id: row._id })) });
}
