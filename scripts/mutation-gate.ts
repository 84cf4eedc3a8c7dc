/**
 * The mutation gate: the policies' unit tests must keep killing what they killed when the folder was
 * last scored. `test/mutation/gates.json` lists the gated folders, each with the files Stryker mutates,
 * its floor (the mutation score recorded, in percent) and a digest of its sources and unit tests. A
 * folder whose digest still matches was scored as it is: nothing runs. A changed folder is scored again
 * by Stryker in incremental mode from its committed report (`test/mutation/<name>.incremental.json`), so
 * only the mutants in changed code, or covered by changed tests, run again; the gate fails when the
 * score falls below the floor, listing the surviving mutants.
 *
 *   tsx scripts/mutation-gate.ts                 # check every gate (part of `npm test`)
 *   tsx scripts/mutation-gate.ts --record <name> # score one folder and record floor, digest and report
 *   ... --record <name> --fresh                  # the same, every mutant run again (no committed report)
 *   ... --concurrency 1                          # Stryker's test runners (default: stryker.config.json's)
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface Gate {
  /** Files Stryker mutates, relative to the repository root. */
  readonly mutate: readonly string[];
  /** The unit test files that cover them (part of the digest): the only tests Stryker runs for the gate. */
  readonly tests: readonly string[];
  /** Mutation score recorded, percent, rounded down to a tenth. */
  floor: number;
  /** SHA-256 of `mutate` and `tests`, file by file. */
  digest: string;
  /** When and on what it was scored, for the reader of the file. */
  scored: string;
}

interface MutantResult {
  readonly status: string;
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly location: { readonly start: { readonly line: number; readonly column: number } };
}

/** A gate that cannot be checked: one line, no stack trace. */
class GateError extends Error {}

const root = join(import.meta.dirname, '..');
const gatesFile = join(root, 'test/mutation/gates.json');
const gates = JSON.parse(readFileSync(gatesFile, 'utf8')) as Record<string, Gate>;
/** `--concurrency <n>`, passed on to Stryker (a machine shared with other work). */
const concurrencyAt = process.argv.indexOf('--concurrency');
const concurrency = concurrencyAt === -1 ? [] : ['--concurrency', process.argv[concurrencyAt + 1] ?? ''];
/** `--fresh`: score from nothing, so a gate's figure owes nothing to results of an older test set. */
const fresh = process.argv.includes('--fresh');

/** A gated file that was renamed or removed fails here, instead of dropping out of its gate unseen. */
function digestOf(gate: Gate): string {
  const hash = createHash('sha256');
  // A mutate entry may name a line range (`file.ts:76-101`): the whole file is digested.
  for (const file of [...gate.mutate, ...gate.tests].sort()) hash.update(`${file}\0`).update(readFileSync(join(root, file.replace(/:\d+-\d+$/, '')))).update('\0');
  return hash.digest('hex');
}

/** Runs Stryker on one gate's files, incremental from its committed report; returns score and survivors. */
function score(name: string, gate: Gate): { score: number; survivors: string[]; incremental: string } {
  const work = join(root, 'reports/mutation-gate', name);
  mkdirSync(work, { recursive: true });
  const incremental = join(work, 'incremental.json');
  const committed = join(root, 'test/mutation', `${name}.incremental.json`);
  if (fresh) rmSync(incremental, { force: true });
  else if (existsSync(committed)) copyFileSync(committed, incremental);
  const base = JSON.parse(readFileSync(join(root, 'stryker.config.json'), 'utf8')) as Record<string, unknown>;
  const config = {
    ...base,
    $schema: undefined,
    mutate: gate.mutate,
    // Only the gate's own tests run (dry run and mutants alike), so its score is what they kill, and a
    // change to another gate's test file cannot change it.
    testFiles: gate.tests,
    incremental: true,
    incrementalFile: relative(root, incremental),
    reporters: ['json', 'clear-text'],
    jsonReporter: { fileName: relative(root, join(work, 'mutation.json')) },
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: false, reportTests: false },
    tempDirName: relative(root, join(work, '.stryker-tmp')),
  };
  const configFile = join(work, 'stryker.config.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  try {
    execFileSync(join(root, 'node_modules/.bin/stryker'), ['run', relative(root, configFile), '--logLevel', 'warn', ...concurrency], { cwd: root, stdio: 'inherit' });
  } catch {
    // Stryker has printed why (most often: a unit test fails without any mutant).
    throw new GateError(`mutation gate ${name}: Stryker could not score the folder (see above)`);
  }
  const report = JSON.parse(readFileSync(join(work, 'mutation.json'), 'utf8')) as { files: Record<string, { mutants: MutantResult[] }> };
  let detected = 0;
  let valid = 0;
  const survivors: string[] = [];
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const mutant of mutants) {
      if (mutant.status === 'Killed' || mutant.status === 'Timeout') detected++;
      else if (mutant.status === 'Survived' || mutant.status === 'NoCoverage') {
        survivors.push(`${relative(root, file)}:${mutant.location.start.line}:${mutant.location.start.column} ${mutant.status} ${mutant.mutatorName} ${JSON.stringify(mutant.replacement ?? '').slice(0, 60)}`);
      } else continue;
      valid++;
    }
  }
  return { score: valid === 0 ? 100 : (100 * detected) / valid, survivors, incremental };
}

function record(name: string): void {
  const gate = gates[name];
  if (gate === undefined) throw new GateError(`no gate named ${name} in ${relative(root, gatesFile)}`);
  const result = score(name, gate);
  gate.floor = Math.floor(result.score * 10) / 10;
  gate.digest = digestOf(gate);
  gate.scored = new Date().toISOString().slice(0, 10);
  copyFileSync(result.incremental, join(root, 'test/mutation', `${name}.incremental.json`));
  writeFileSync(gatesFile, `${JSON.stringify(gates, null, 2)}\n`);
  process.stdout.write(`mutation gate ${name}: recorded ${gate.floor}% (${result.survivors.length} alive)\n${result.survivors.map((line) => `  ${line}\n`).join('')}`);
}

function check(): void {
  let failed = false;
  for (const [name, gate] of Object.entries(gates)) {
    if (digestOf(gate) === gate.digest) {
      process.stdout.write(`mutation gate ${name}: unchanged since scored (${gate.floor}%)\n`);
      continue;
    }
    process.stdout.write(`mutation gate ${name}: changed since scored, scoring again (incremental)\n`);
    const result = score(name, gate);
    if (result.score + 1e-9 < gate.floor) {
      failed = true;
      process.stderr.write(`mutation gate ${name}: ${result.score.toFixed(1)}% is below the recorded ${gate.floor}%; alive:\n${result.survivors.map((line) => `  ${line}\n`).join('')}`);
    } else {
      process.stdout.write(`mutation gate ${name}: ${result.score.toFixed(1)}% (floor ${gate.floor}%); record it: tsx scripts/mutation-gate.ts --record ${name}\n`);
    }
  }
  if (failed) process.exitCode = 1;
}

const at = process.argv.indexOf('--record');
try {
  if (at !== -1) record(process.argv[at + 1] ?? '');
  else check();
} catch (error) {
  if (!(error instanceof GateError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}

