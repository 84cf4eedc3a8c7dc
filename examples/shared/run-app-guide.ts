import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appGuideSteps, type ExpectedAnswer } from './app-guide.js';

interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly code: string | undefined;
}

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
        const answers = runLine(step.command, join(workDir, String(index)), env);
        const last = answers.at(-1);
        const ok =
          last !== undefined &&
          (step.also === undefined
            ? matches(last, step.expect)
            : answers.some((answer) => matches(answer, step.expect)) && answers.every((answer) => [step.expect, ...(step.also ?? [])].some((expected) => matches(answer, expected))));
        if (!ok) failures.push(`${step.command}\n  got ${answers.map((answer) => `${answer.status} ${answer.code ?? ''}`).join(', ')}; expected ${JSON.stringify(step.expect)}`);
      }
      expect(failures).toEqual([]);
    }, 60_000);
  });
}

/** Runs one guide line in bash, recording every answer its curl calls get. */
function runLine(command: string, dir: string, env: NodeJS.ProcessEnv): Answer[] {
  const script = `mkdir -p "${dir}"; __n=0; curl() { __n=$((__n+1)); command curl -sS -D "${dir}/$__n.h" "$@" > "${dir}/$__n.out"; }\n${command}\n`;
  const result = spawnSync('bash', ['-c', script], { env, encoding: 'utf8', timeout: 25_000 });
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
