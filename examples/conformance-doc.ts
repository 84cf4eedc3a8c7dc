import { brazeSeedRows } from './braze/conformance.js';
import { brazeApiMethods } from './braze/client-methods.js';
import { codatSeedRows } from './codat/conformance.js';
import { codatPlatformMethods } from './codat/client-methods.js';
import { seatableSeedRows } from './seatable/conformance.js';
import { seatableApiMethods } from './seatable/client-methods.js';
import type { ClientMethodTable } from './shared/client-method-row.js';

/** docs/conformance.md: every seed row, with the test that proves it. */
export function renderConformanceDoc(): string {
  const lines = [
    '# Conformance with the seed APIs',
    '',
    '<!-- Generated from examples/*/conformance.ts and examples/*/client-methods.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    'Each row of a seed error reference, reproduced through the real gateway and the example\'s backend. The',
    'test names are cases of `examples/<api>/test/conformance.test.ts`; the real client of each API is driven',
    'against the same example in `examples/<api>/test/*-client.test.ts`.',
    '',
    '| seed | row | status | test |',
    '| --- | --- | --- | --- |',
    ...[...seatableSeedRows, ...codatSeedRows, ...brazeSeedRows].map((row) => `| ${row.seed} | ${row.row} | ${row.status} | \`${row.test}\` |`),
    '',
    '## The seed APIs\' own clients',
    '',
    'Each method of a seed API\'s own client library whose request the example serves, called through the real',
    'gateway in `examples/<api>/test/*-client.test.ts` (one case per row, named `<client> <method>: <result>`).',
    'The test lists the library\'s methods from its own code in `node_modules` (the Codat SDK\'s `funcs/`, the',
    'Braze and SeaTable clients called against a recorder) and sends each request to the example\'s gateway:',
    'the rows must be exactly the methods the gateway serves, with the routes the library builds. Methods on',
    'routes an example does not serve are left out.',
    '',
    ...[seatableApiMethods, codatPlatformMethods, brazeApiMethods].flatMap(renderClientTable),
  ];
  return lines.join('\n');
}

function renderClientTable(table: ClientMethodTable): string[] {
  return [
    `### ${table.client} (examples/${table.example})`,
    '',
    '| method | route | result |',
    '| --- | --- | --- |',
    ...table.rows.map((row) => `| \`${row.method}\` | \`${row.route}\` | ${row.result} |`),
    '',
    ...(table.notes ?? []).flatMap((note) => [note, '']),
  ];
}
