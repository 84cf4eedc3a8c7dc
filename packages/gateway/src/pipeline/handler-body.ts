/**
 * A request body as the app's handlers see one (`req.portier.body`, an operation job's `body`): JSON
 * parsed (it was validated as such), anything else, or JSON that does not parse, as its bytes.
 */
export function handlerBody(body: Buffer | undefined, contentType: string | undefined): unknown {
  if (body === undefined || body.length === 0) return undefined;
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType ?? '')) return body;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return body;
  }
}
