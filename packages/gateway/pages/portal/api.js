// Requests to the portal's JSON and to the keys API. The session token lives in this tab's
// sessionStorage only; the API key is only ever held for the one request it is typed in for.

const tokenKey = 'portier.portal.session';
let settings;

export async function loadSettings() {
  const response = await fetch('settings.json', { credentials: 'omit' });
  settings = await response.json();
  return settings;
}

export function portalSettings() {
  return settings;
}

/** The credential header for a key or a token, in the first form the deployment accepts. */
function credentialHeaders(credential) {
  const { schemes, header } = settings.credential;
  const scheme = schemes[0];
  if (scheme === 'header') return { [header]: credential };
  if (scheme === 'basic') return { authorization: `Basic ${btoa(`${credential}:`)}` };
  if (scheme === 'token') return { authorization: `Token ${credential}` };
  return { authorization: `Bearer ${credential}` };
}

export function session() {
  const stored = sessionStorage.getItem(tokenKey);
  if (stored === null) return undefined;
  const parsed = JSON.parse(stored);
  return Date.parse(parsed.expiresAt) > Date.now() ? parsed : undefined;
}

export function endSession() {
  sessionStorage.removeItem(tokenKey);
}

/** An answer the API refused: what it said and its correlation ID, whatever the deployment's envelope. */
export class ApiError extends Error {
  constructor(status, body, correlationId) {
    super(messageOf(body) ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.correlationId = correlationId;
  }
}

function messageOf(body) {
  if (body === null || typeof body !== 'object') return undefined;
  for (const name of ['detail', 'title', 'message', 'error', 'error_message']) if (typeof body[name] === 'string') return body[name];
  for (const value of Object.values(body)) {
    const inner = messageOf(value);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

async function send(path, credential, { method = 'GET', body, language } = {}) {
  const headers = { ...credentialHeaders(credential) };
  if (language !== undefined) headers['accept-language'] = language;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store' });
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    parsed = text;
  }
  if (!response.ok) throw new ApiError(response.status, parsed, response.headers.get(settings.correlationHeader) ?? '');
  return parsed;
}

/** Exchanges the key for a session token; the key is not kept. */
export async function signIn(key) {
  const answer = await send('api/session', key);
  sessionStorage.setItem(tokenKey, JSON.stringify({ token: answer.token, expiresAt: answer.expiresAt }));
  return answer;
}

/** A GET on the portal's JSON with the session token. */
export function read(path, language) {
  const current = session();
  if (current === undefined) return Promise.reject(new ApiError(401, null, ''));
  return send(`api/${path}`, current.token, { language });
}

/** A keys API call made with the key itself (changing keys takes the key, not a token). */
export function changeKeys(key, { method, suffix = '', body }) {
  const base = settings.keysApi.path;
  return send(`${base}${suffix}`, key, { method, body });
}
