import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExpectedAnswer } from '../../src/demo/demo-guide-steps.js';

/** What one curl call of a printed guide line got. */
export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly code: string | undefined;
}

/**
 * Runs one printed guide line in bash as a reader would paste it, recording every answer its curl calls
 * get (headers and body of each into `dir`), in order.
 */
export function runGuideLine(command: string, dir: string, env: NodeJS.ProcessEnv): Answer[] {
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

/** Whether an answer is what the guide's comment says: the status, and the code or header it names. */
export function answerMatches(answer: Answer, expected: ExpectedAnswer): boolean {
  if (answer.status !== expected.status) return false;
  if (expected.code !== undefined && answer.code !== expected.code) return false;
  if (expected.header !== undefined) {
    const value = answer.headers[expected.header.name];
    if (value === undefined || (expected.header.value !== undefined && value !== expected.header.value)) return false;
  }
  return true;
}
