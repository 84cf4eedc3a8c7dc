import { describe, expect, it } from 'vitest';
import { RecentLogLines } from './recent-log-lines.js';

const line = (id: string, padding = ''): string => `{"level":"info","time":1,"service":"portier","correlationId":"${id}","msg":"request"${padding}}`;

describe('recent log lines', () => {
  it('recent log lines: finds every line of one correlation ID, oldest first, and none of the others', () => {
    const ring = new RecentLogLines(10, 10_000);
    ring.add(`${line('a')}\n${line('b')}\n`);
    ring.add(`${line('a', ',"n":2')}\n`);
    expect(ring.find('a')).toEqual([line('a'), line('a', ',"n":2')]);
    expect(ring.find('b')).toEqual([line('b')]);
    expect(ring.find('c')).toEqual([]);
  });

  it('recent log lines: keeps no line without a correlation ID', () => {
    const ring = new RecentLogLines(10, 10_000);
    ring.add('{"level":"info","time":1,"msg":"listening"}\n');
    expect(ring.usage().lines).toBe(0);
  });

  it('recent log lines: holds exactly maxLines, and the next line evicts the oldest', () => {
    const ring = new RecentLogLines(3, 10_000);
    for (const id of ['a', 'b', 'c']) ring.add(`${line(id)}\n`);
    expect(ring.usage().lines).toBe(3);
    expect(ring.find('a')).toHaveLength(1);
    ring.add(`${line('d')}\n`);
    expect(ring.usage().lines).toBe(3);
    expect(ring.find('a')).toEqual([]);
    expect(ring.find('d')).toHaveLength(1);
  });

  it('recent log lines: holds lines up to maxBytes exactly, and one byte more evicts the oldest', () => {
    const size = Buffer.byteLength(line('a'));
    const ring = new RecentLogLines(100, size * 2);
    ring.add(`${line('a')}\n${line('b')}\n`);
    expect(ring.usage()).toMatchObject({ lines: 2, bytes: size * 2 });
    ring.add(`${line('c', ' ')}\n`);
    expect(ring.find('a')).toEqual([]);
    expect(ring.find('b')).toHaveLength(0);
    expect(ring.usage()).toMatchObject({ lines: 1, bytes: size + 1 });
  });

  it('recent log lines: counts bytes as UTF-8, not characters', () => {
    const ring = new RecentLogLines(100, 10_000);
    ring.add(`${line('a', ',"path":"/é"')}\n`);
    expect(ring.usage().bytes).toBe(line('a', ',"path":"/é"').length + 1);
  });

  it('recent log lines: drops a line larger than maxBytes on its own, and keeps none with maxLines 0', () => {
    const ring = new RecentLogLines(10, 20);
    ring.add(`${line('a')}\n`);
    expect(ring.usage().lines).toBe(0);
    const none = new RecentLogLines(0, 10_000);
    none.add(`${line('a')}\n`);
    expect(none.usage().lines).toBe(0);
  });

  it('recent log lines: wraps around many times and still answers in order', () => {
    const ring = new RecentLogLines(4, 10_000);
    for (let i = 0; i < 23; i++) ring.add(`${line(i % 2 === 0 ? 'even' : 'odd', `,"i":${i}`)}\n`);
    expect(ring.find('odd')).toEqual([line('odd', ',"i":19'), line('odd', ',"i":21')]);
    expect(ring.find('even')).toEqual([line('even', ',"i":20'), line('even', ',"i":22')]);
  });
});
