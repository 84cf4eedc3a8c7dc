// The full job's load: `count` GETs of `path` over `connections` keep-alive connections, each with the
// next key of `keys` (cycled), bodies read and dropped. Fails on any answer that is not 2xx, with the
// count of each status seen, so that a bench never measures refusals by mistake.
import { Pool } from 'undici';

export async function loadKeyed(url: string, path: string, keys: readonly string[], count: number, connections: number): Promise<void> {
  const pool = new Pool(url, { connections, pipelining: 1 });
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const key = keys[next++ % keys.length] as string;
      const { statusCode, body } = await pool.request({ method: 'GET', path, headers: { authorization: `Bearer ${key}` } });
      await body.dump();
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  await pool.close();
  const bad = [...statuses].filter(([status]) => status < 200 || status >= 300);
  if (bad.length > 0) throw new Error(`answers that were not 2xx: ${bad.map(([status, n]) => `${n} x ${status}`).join(', ')}`);
}
