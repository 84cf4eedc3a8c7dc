import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anonymousSteps, keyedSteps, operationIdPlaceholder, type ExpectedAnswer, type GuideStep } from '../src/demo/demo-guide-steps.js';
import { startCli, type RunningCli } from './helpers/cli.js';
import { waitFor } from './helpers/wait-for.js';

/**
 * `npm start`'s guide, run as a newcomer would: the demo as `npm start` starts it (`portier demo`), every
 * printed shell line run by bash with the printed keys, top to bottom, twice in a row; each answer must be
 * what the guide's comment says (the table in demo-guide-steps.ts is what the guide prints).
 */

interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly code: string | undefined;
}

let demo: RunningCli;
let printed: string;
let gateway: string;
const workDir = mkdtempSync(join(tmpdir(), 'portier-guide-'));

beforeAll(async () => {
  demo = await startCli(['demo'], { PORT: '0', PORTIER_DEMO_DB: join(workDir, 'demo.db') }, /Portier is running at (http:\/\/[^ ]+) [\s\S]*Stop with Ctrl-C/);
  printed = demo.output();
  gateway = demo.url;
});

afterAll(async () => {
  demo?.child.kill('SIGTERM');
  await demo?.exited;
  rmSync(workDir, { recursive: true, force: true });
});

/** The printed value of `NAME=value`. */
function printedValue(name: string): string {
  const match = new RegExp(`${name}=(\\S+)`).exec(printed);
  if (match === null) throw new Error(`the guide prints no ${name}`);
  return match[1] as string;
}

function guideSteps(): GuideStep[] {
  const unknownKey = /Bearer (pt_test_demo_[A-Za-z0-9]+)"/.exec(printed)?.[1] ?? 'missing';
  const otherInstanceKey = /Bearer (pt_test_eu1_[A-Za-z0-9]+)"/.exec(printed)?.[1] ?? 'missing';
  return [...anonymousSteps(gateway), ...keyedSteps(gateway, unknownKey, otherInstanceKey)];
}

/** Runs one guide line in bash, recording every answer its curl calls get. */
function runLine(command: string, run: string): Answer[] {
  const dir = join(workDir, run);
  const script = `mkdir -p "${dir}"; __n=0; curl() { __n=$((__n+1)); command curl -sS -D "${dir}/$__n.h" "$@" > "${dir}/$__n.out"; }\n${command}\n`;
  const result = spawnSync('bash', ['-c', script], { env: { ...process.env, KEY_B1: printedValue('KEY_B1'), KEY_B2: printedValue('KEY_B2') }, encoding: 'utf8', timeout: 25_000 });
  if (result.status !== 0) throw new Error(`bash failed on: ${command}\n${result.stderr}`);
  const count = readdirSync(dir).filter((file) => file.endsWith('.h')).length;
  return Array.from({ length: count }, (_, index) => readAnswer(join(dir, String(index + 1))));
}

function readAnswer(base: string): Answer {
  const head = readFileSync(`${base}.h`, 'utf8');
  const blocks = head.split(/\r\n\r\n/).filter((block) => block.startsWith('HTTP/'));
  const last = (blocks.at(-1) ?? '').split('\r\n');
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(last[0] ?? '')?.[1]);
  const headers = Object.fromEntries(last.slice(1).map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  let body = readFileSync(`${base}.out`, 'utf8');
  if (body.startsWith('HTTP/')) body = body.slice(body.lastIndexOf('\r\n\r\n') + 4);
  let code: string | undefined;
  try {
    code = (JSON.parse(body) as { code?: string }).code;
  } catch {
    code = undefined;
  }
  return { status, headers, code };
}

function matches(answer: Answer, expected: ExpectedAnswer): boolean {
  if (answer.status !== expected.status) return false;
  if (expected.code !== undefined && answer.code !== expected.code) return false;
  if (expected.header !== undefined) {
    const value = answer.headers[expected.header.name];
    if (value === undefined || (expected.header.value !== undefined && value !== expected.header.value)) return false;
  }
  return true;
}

function describeAnswers(answers: readonly Answer[]): string {
  return answers.map((answer) => `${answer.status} ${answer.code ?? ''}`).join(', ');
}

describe('the demo guide that npm start prints', () => {
  it('prints exactly the lines of the guide table', () => {
    const commands = printed.split('\n').filter((line) => /^ {2}(curl|for) /.test(line)).map((line) => line.slice(2));
    expect(commands).toEqual(guideSteps().map((step) => step.command));
  });

  it('guide: every line answers what its comment says, run top to bottom twice in a row', async () => {
    const failures: string[] = [];
    for (const round of [1, 2]) {
      let operationId = '';
      for (const [index, step] of guideSteps().entries()) {
        const command = step.command.replace(operationIdPlaceholder, operationId);
        const answers = runLine(command, `r${round}-${index}`);
        const last = answers.at(-1);
        if (last === undefined) {
          failures.push(`round ${round}: ${step.command}: no request sent`);
          continue;
        }
        const wanted = round === 2 && step.again !== undefined ? step.again : step.expect;
        const ok =
          step.loop === undefined
            ? wanted.some((expected) => matches(last, expected))
            : answers.some((answer) => matches(answer, step.expect[0] as ExpectedAnswer)) &&
              answers.every((answer) => [...step.expect, ...step.loop!.also].some((expected) => matches(answer, expected)));
        if (!ok) failures.push(`round ${round}: ${step.command}\n  got ${describeAnswers(answers)}; expected ${JSON.stringify(wanted)}`);
        const location = last.headers['location'];
        if (location !== undefined) operationId = location.split('/').at(-1) ?? '';
        if (command.includes('/operations/')) {
          // "then the backend's answer": the same line, repeated until the operation is done.
          let attempt = 0;
          const answer =
            last.status !== 409
              ? last
              : await waitFor(() => runLine(command, `r${round}-${index}-poll${attempt++}`).at(-1) ?? last, {
                  what: `round ${round}: ${command} to stop answering 409 (the export running)`,
                  until: (polled) => polled.status !== 409,
                  intervalMs: 100,
                });
          if (answer.status !== 201) failures.push(`round ${round}: ${command}: the export never gave the backend's 201 (last ${answer.status} ${answer.code ?? ''})`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
