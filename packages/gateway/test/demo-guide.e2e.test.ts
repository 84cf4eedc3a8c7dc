import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anonymousSteps, keyedSteps, operationIdPlaceholder, type ExpectedAnswer, type GuideStep } from '../src/demo/demo-guide-steps.js';
import { startCli, type RunningCli } from './helpers/cli.js';
import { waitFor } from './helpers/wait-for.js';
import { answerMatches, runGuideLine, type Answer } from './helpers/guide-lines.js';

/**
 * `npm start`'s guide, run as a newcomer would: the demo as `npm start` starts it (`portier demo`), every
 * printed shell line run by bash with the printed keys, top to bottom, twice in a row; each answer must be
 * what the guide's comment says (the table in demo-guide-steps.ts is what the guide prints).
 */


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
  return runGuideLine(command, join(workDir, run), { ...process.env, KEY_B1: printedValue('KEY_B1'), KEY_B2: printedValue('KEY_B2') });
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
            ? wanted.some((expected) => answerMatches(last, expected))
            : answers.some((answer) => answerMatches(answer, step.expect[0] as ExpectedAnswer)) &&
              answers.every((answer) => [...step.expect, ...step.loop!.also].some((expected) => answerMatches(answer, expected)));
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
