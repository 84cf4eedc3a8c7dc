import { describe, expect, it } from 'vitest';
import type { SeedRow } from './seed-row.js';

/**
 * The table-driven conformance suite of an example: one test per seed row, run by the case its `test`
 * names, and a check that rows and cases match one for one (a row without a case, or a case no row
 * lists, fails).
 */
export function describeSeedConformance(
  title: string,
  rows: readonly SeedRow[],
  cases: Readonly<Record<string, () => Promise<void>>>,
  options: { readonly timeoutMs?: number } = {},
): void {
  describe(title, () => {
    it('conformance: has a case for every seed row and a row for every case', () => {
      expect(rows.map((row) => row.test).sort()).toEqual(Object.keys(cases).sort());
    });
    for (const row of rows) {
      it(`${row.test} (${row.row})`, async () => {
        await (cases[row.test] as () => Promise<void>)();
      }, options.timeoutMs);
    }
  });
}
