import { describe, expect, it } from 'vitest';
import type { ClientMethodTable } from './client-method-row.js';
import { noRequest, type ClientRoute } from './client-routes.js';

/** Whether the gateway routes a request (anything but 404 or 405 to a caller without credentials). */
async function isServed(gatewayUrl: string, route: string): Promise<boolean> {
  const [method, template] = route.split(' ') as [string, string];
  // `{name}` becomes `name`: any value reaches the same route.
  const path = template.replace(/\{([^}]+)\}/g, '$1');
  const response = await fetch(`${gatewayUrl}${path}`, { method, ...(method === 'GET' || method === 'DELETE' ? {} : { headers: { 'content-type': 'application/json' }, body: '{}' }) });
  await response.arrayBuffer();
  return response.status !== 404 && response.status !== 405;
}

/**
 * The client-method conformance of an example: every method of the client library whose request the
 * example's gateway serves is a row (`routes` lists the library's methods from its own source, and each
 * is sent to the gateway), each row has a case and each case a row, and each case runs.
 */
export function describeClientConformance(
  table: ClientMethodTable,
  options: { readonly routes: () => Promise<readonly ClientRoute[]> | readonly ClientRoute[]; readonly gatewayUrl: () => string },
  cases: Readonly<Record<string, () => Promise<void>>>,
): void {
  describe(`${table.client}: every method on a route the ${table.example} example serves`, () => {
    it(`${table.client}: has a case for every listed method and a listed method for every case`, () => {
      expect(table.rows.map((row) => row.method).sort()).toEqual(Object.keys(cases).sort());
    });
    it(`${table.client}: lists exactly the methods whose requests the example serves, with their routes`, async () => {
      const routes = await options.routes();
      const served: string[] = [];
      for (const { name, route } of routes) if (route !== noRequest && (await isServed(options.gatewayUrl(), route))) served.push(`${name} ${route}`);
      expect(table.rows.map((row) => `${row.method} ${row.route}`).sort()).toEqual([...new Set(served)].sort());
    });
    for (const row of table.rows) {
      it(`${table.client} ${row.method}: ${row.result}`, async () => {
        await (cases[row.method] as () => Promise<void>)();
      });
    }
  });
}
