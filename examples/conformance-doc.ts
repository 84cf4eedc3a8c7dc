import { brazeSeedRows } from './braze/conformance.js';
import { codatSeedRows } from './codat/conformance.js';
import { seatableSeedRows } from './seatable/conformance.js';

/** docs/conformance.md: every seed row, with the test that proves it. */
export function renderConformanceDoc(): string {
  const lines = [
    '# Conformance with the seed APIs',
    '',
    '<!-- Generated from examples/*/conformance.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    'Each row of a seed error reference, reproduced through the real gateway and the example\'s backend. The',
    'test names are cases of `examples/<api>/test/conformance.test.ts`; the real client of each API is driven',
    'against the same example in `examples/<api>/test/*-client.test.ts`.',
    '',
    '| seed | row | status | test |',
    '| --- | --- | --- | --- |',
    ...[...seatableSeedRows, ...codatSeedRows, ...brazeSeedRows].map((row) => `| ${row.seed} | ${row.row} | ${row.status} | \`${row.test}\` |`),
    '',
  ];
  return lines.join('\n');
}
