import { portierError } from '../errors/portier-error.js';

export type JsonObject = Readonly<Record<string, unknown>>;

/** Reads a small JSON object body with a size cap: 413 above it, 400 when it is not a JSON object. */
export async function readJsonBody(req: AsyncIterable<Buffer>, maxBytes: number): Promise<JsonObject> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > maxBytes) throw portierError('payload_too_large', { limitBytes: maxBytes }, { headers: { Connection: 'close' } });
    chunks.push(chunk);
  }
  if (size === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw portierError('bad_request', { reason: 'the body is not valid JSON' });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw portierError('bad_request', { reason: 'the body must be a JSON object' });
  return parsed as JsonObject;
}
