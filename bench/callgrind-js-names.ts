// Instructions per request by JavaScript function, from a dump kept by `npm run bench:instructions`.
// callgrind sees JIT code only as addresses (`???:0x...`); Node started with --perf-basic-prof writes
// /tmp/perf-<pid>.map, which says which function each address range holds. This puts the two together:
//   NODE_OPTIONS=--perf-basic-prof BENCH_KEEP=1 BENCH_PEERS=portier npx tsx bench/instructions.ts
//   npx tsx bench/callgrind-js-names.ts <kept dir>/<peer>-*/callgrind.<pid>.1 [requests counted] [name filter]
// The map is found by the dump's pid. Inclusive counts (a function with what it calls), divided by the
// requests counted (default 2000); a function compiled more than once (baseline `^`, optimized `*`) is
// listed once per tier. Recursion and callgrind's cycles can count a caller twice: read the callees'
// figures against each other, not as shares of the total.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const [dump, countedText = '2000', filter = ''] = process.argv.slice(2);
if (dump === undefined) throw new Error('usage: callgrind-js-names.ts <callgrind dump> [requests counted] [name filter]');
const pid = /callgrind\.(\d+)/.exec(basename(dump))?.[1];
if (pid === undefined) throw new Error(`no pid in ${dump}`);

interface CodeRange {
  readonly start: number;
  readonly end: number;
  readonly name: string;
}

const ranges: CodeRange[] = readFileSync(`/tmp/perf-${pid}.map`, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => {
    const [start = '0', size = '0', ...name] = line.split(' ');
    return { start: parseInt(start, 16), end: parseInt(start, 16) + parseInt(size, 16), name: name.join(' ') };
  })
  .sort((a, b) => a.start - b.start);

/** The function whose code holds `address` (the last range that starts at or before it and covers it). */
function nameAt(address: number): string | undefined {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if ((ranges[middle] as CodeRange).start <= address) low = middle + 1;
    else high = middle - 1;
  }
  // Code space is reused: walk back over ranges that start close enough to still cover it.
  for (let i = high; i >= 0 && address - (ranges[i] as CodeRange).start < 1 << 20; i--) {
    const range = ranges[i] as CodeRange;
    if (address < range.end) return range.name;
  }
  return undefined;
}

const annotated = spawnSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', dump], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).stdout;
const byName = new Map<string, number>();
for (const line of annotated.split('\n')) {
  // JIT code has no object file: `???:0x<address>[...] [???]`.
  const match = /^\s*([\d,]+) \([^)]*\)\s+\?\?\?:0x([0-9a-f]+)\S*\s+\[\?\?\?\]$/.exec(line);
  if (match === null) continue;
  const name = nameAt(parseInt(match[2] as string, 16)) ?? 'unnamed JIT code';
  byName.set(name, (byName.get(name) ?? 0) + Number((match[1] as string).replaceAll(',', '')));
}
const counted = Number(countedText);
const rows = [...byName].filter(([name]) => name.includes(filter)).sort((a, b) => b[1] - a[1]);
for (const [name, instructions] of filter === '' ? rows.slice(0, 80) : rows) console.log(`${Math.round(instructions / counted).toLocaleString('en').padStart(9)}  ${name}`);
