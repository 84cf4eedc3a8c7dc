import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerMatches, runGuideLine } from '../../packages/gateway/test/helpers/guide-lines.js';
import { appGuideSteps } from './app-guide.js';


const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

/**
 * An example app's guide, run as a newcomer would: the start script as `npm run example:<name>`
 * runs it (tsx, a free port), then every printed shell line run by bash with the printed keys, top
 * to bottom; each answer must be what the guide's comment says (the table in app-guide.ts).
 */
export function describeAppGuide(name: string, startScript: string): void {
  describe(`the ${name} example's printed guide`, () => {
    let child: ChildProcess;
    let exited: Promise<unknown>;
    let printed = '';
    const workDir = mkdtempSync(join(tmpdir(), `portier-${name}-guide-`));

    beforeAll(async () => {
      child = spawn(process.execPath, [tsxCli, startScript], { env: { ...process.env, PORT: '0', PORTIER_EXAMPLE_DB: join(workDir, 'portier.db') } });
      exited = new Promise((done) => child.on('close', done));
      let errors = '';
      child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the ${name} example printed no guide within 25 s:\n${printed}\n${errors}`)), 25_000);
        child.stdout?.on('data', (chunk: Buffer) => {
          printed += chunk.toString();
          if (printed.includes('Ctrl-C stops it.')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('close', (code) => reject(new Error(`the ${name} example exited (${String(code)}) before its guide:\n${printed}\n${errors}`)));
      });
    }, 30_000);

    afterAll(async () => {
      child?.kill('SIGTERM');
      await exited;
      rmSync(workDir, { recursive: true, force: true });
    });

    const printedValue = (variable: string): string => {
      const match = new RegExp(`^${variable}=(\\S+)`, 'm').exec(printed);
      if (match === null) throw new Error(`the guide prints no ${variable}`);
      return match[1] as string;
    };
    const url = (): string => /at (http:\/\/127\.0\.0\.1:\d+|http:\/\/localhost:\d+)/.exec(printed)?.[1] ?? 'missing';

    it(`${name}: the guide prints exactly the lines of the guide table`, () => {
      const commands = printed.split('\n').filter((line) => /^ {2}(curl|for) /.test(line)).map((line) => line.slice(2));
      expect(commands).toEqual(appGuideSteps(url()).map((step) => step.command));
    });

    it(`${name}: every guide line answers what its comment says, run top to bottom`, () => {
      const failures: string[] = [];
      const env = { ...process.env, KEY: printedValue('KEY'), READ_KEY: printedValue('READ_KEY') };
      for (const [index, step] of appGuideSteps(url()).entries()) {
        const answers = runGuideLine(step.command, join(workDir, String(index)), env);
        const last = answers.at(-1);
        const ok =
          last !== undefined &&
          (step.also === undefined
            ? answerMatches(last, step.expect)
            : answers.some((answer) => answerMatches(answer, step.expect)) && answers.every((answer) => [step.expect, ...(step.also ?? [])].some((expected) => answerMatches(answer, expected))));
        if (!ok) failures.push(`${step.command}\n  got ${answers.map((answer) => `${answer.status} ${answer.code ?? ''}`).join(', ')}; expected ${JSON.stringify(step.expect)}`);
      }
      expect(failures).toEqual([]);
    }, 60_000);
  });
}



