import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BatchedDestination, type BatchTarget } from './batched-destination.js';

/** A target that records what it is handed, and what it was asked to do. */
function recording(): { target: BatchTarget; writes: string[]; calls: string[] } {
  const writes: string[] = [];
  const calls: string[] = [];
  const target: BatchTarget = {
    write(chunk: string) {
      writes.push(chunk);
      calls.push('write');
    },
    flush(callback) {
      calls.push('flush');
      callback?.();
    },
    flushSync() {
      calls.push('flushSync');
    },
  };
  return { target, writes, calls };
}

describe('batched log destination', () => {
  it('hands lines over in order, one string per batch once the batch length is reached', () => {
    const { target, writes } = recording();
    const batch = new BatchedDestination(target, 20, 1);
    batch.write('one 1234\n');
    batch.write('two 1234\n');
    expect(writes).toEqual([]);
    batch.write('three 12\n');
    expect(writes).toEqual(['one 1234\ntwo 1234\nthree 12\n']);
    batch.write('a line longer than the batch\n');
    expect(writes).toEqual(['one 1234\ntwo 1234\nthree 12\n', 'a line longer than the batch\n']);
  });

  it('flush hands over what is gathered before the target flushes, and calls back', () => {
    const { target, writes, calls } = recording();
    const batch = new BatchedDestination(target, 4096, 1);
    batch.write('{"msg":"request"}\n');
    let called = false;
    batch.flush(() => (called = true));
    expect(writes).toEqual(['{"msg":"request"}\n']);
    expect(calls).toEqual(['write', 'flush']);
    expect(called).toBe(true);
    batch.flushSync();
    expect(calls).toEqual(['write', 'flush', 'flushSync']);
  });

  it('writes every line to stdout when the process exits with lines still gathered', () => {
    // A real process: pino's SonicBoom writer on stdout behind the batch, lines left gathered at exit
    // (no flush), once on process.exit and once when the event loop runs out. On process.exit, a chunk
    // SonicBoom had in flight (an asynchronous write) can land after what its synchronous flush writes
    // (as without the batch): every line is there, not necessarily in order.
    const script = (exit: string): string => `
      const { createLogging } = await import(${JSON.stringify(new URL('./create-logger.ts', import.meta.url).href)});
      const { logger } = createLogging('info');
      for (let i = 0; i < 300; i++) logger.info({ i }, 'line');
      ${exit}`;
    for (const exit of ['process.exit(0);', '']) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(exit)], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const numbers = run.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { i: number }).i);
      expect(exit === '' ? numbers : numbers.sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    }
  });
});
