/** What one answer of a guide line must be: its status, and the error code or a header when the guide names one. */
export interface ExpectedAnswer {
  readonly status: number;
  readonly code?: string;
  /** A header the guide points at (lower-case name) and, when it matters, its value. */
  readonly header?: { readonly name: string; readonly value?: string };
}

/** One shell line of the demo guide, with the comment above it (if it starts a group) and what it answers. */
export interface GuideStep {
  readonly comment?: string;
  readonly command: string;
  /** The answers it may give: one of them, for the last request the line sends. */
  readonly expect: readonly ExpectedAnswer[];
  /** What it answers when the guide is run a second time, if that differs from `expect`. */
  readonly again?: readonly ExpectedAnswer[];
  /** A loop: at least one of its requests gives `expect[0]`, the others `also`. */
  readonly loop?: { readonly also: readonly ExpectedAnswer[] };
}

/** Stand-in for the operation id that the line before it returned in `Location`. */
export const operationIdPlaceholder = '<id from Location>';

/**
 * The lines `npm start` prints, in order: one table for the guide and for the test that runs every
 * line of it twice against a real demo (demo-guide.e2e.test.ts), so the guide cannot promise what the
 * demo does not answer. `$KEY_B1` and `$KEY_B2` are the demo keys printed with the guide.
 */
export function anonymousSteps(gateway: string): GuideStep[] {
  return [
    { comment: 'a success, proxied to the demo backend', command: `curl -i ${gateway}/v1/hello`, expect: [{ status: 200 }] },
    { comment: '404 not_found: no route matches', command: `curl ${gateway}/v1/nope`, expect: [{ status: 404, code: 'not_found' }] },
    {
      comment: '405 method_not_allowed, with an Allow header',
      command: `curl -i -X PUT ${gateway}/v1/items`,
      expect: [{ status: 405, code: 'method_not_allowed', header: { name: 'allow', value: 'GET, HEAD, POST' } }],
    },
    {
      comment: '413 payload_too_large (this route accepts 1 KiB)',
      command: `curl -X POST -H 'content-type: application/json' --data "{\\"name\\":\\"$(head -c 2000 /dev/zero | tr '\\0' x)\\"}" ${gateway}/v1/items`,
      expect: [{ status: 413, code: 'payload_too_large' }],
    },
    { comment: 'an upstream 404, normalized into the envelope (upstream_client_error) with the backend\'s message', command: `curl ${gateway}/v1/items/99`, expect: [{ status: 404, code: 'upstream_client_error' }] },
    { comment: 'the same upstream 404 passed through untouched', command: `curl ${gateway}/raw/v1/items/99`, expect: [{ status: 404 }] },
    {
      comment:
        'The failure routes below have an upstream of their own whose circuit breaker never opens, so they never take the rest of the demo down.\n' +
        '503 service_unavailable with the backend\'s Retry-After',
      command: `curl -i ${gateway}/v1/unavailable`,
      expect: [{ status: 503, code: 'service_unavailable', header: { name: 'retry-after', value: '7' } }],
    },
    {
      comment: '504 gateway_timeout: the backend takes 3 s, the route waits 1 s (the 504 comes after 1 to 1.5 s: the timeout is checked every half second)',
      command: `curl ${gateway}/v1/slow`,
      expect: [{ status: 504, code: 'gateway_timeout' }],
    },
    { comment: '502 bad_gateway (nothing listens behind this route)', command: `curl ${gateway}/v1/nowhere`, expect: [{ status: 502, code: 'bad_gateway' }] },
    {
      comment: '429 rate_limited: this route allows 3 calls per 10 s window, so of 7 calls in a row at least one is 429, shown with its Retry-After',
      command: `for i in 1 2 3 4 5 6 7; do curl -s -o /dev/null -w '%{http_code} %header{retry-after}\\n' ${gateway}/v1/limited; done`,
      expect: [{ status: 429, header: { name: 'retry-after' } }],
      loop: { also: [{ status: 200 }] },
    },
    {
      comment: '503 maintenance with the operator\'s message',
      command: `curl -i ${gateway}/v1/legacy`,
      expect: [{ status: 503, code: 'maintenance', header: { name: 'retry-after', value: '3600' } }],
    },
  ];
}

/** The guide lines that use the demo keys. */
export function keyedSteps(gateway: string, unknownKey: string, otherInstanceKey: string): GuideStep[] {
  const b1 = '-H "Authorization: Bearer $KEY_B1"';
  const b2 = '-H "Authorization: Bearer $KEY_B2"';
  const write = `curl -i -X POST ${b2} -H 'Idempotency-Key: "demo-1"' -H 'content-type: application/json' --data '{"Name":"x"}' ${gateway}/v1/bases/b2/rows`;
  return [
    {
      comment: 'a keyed success, with RateLimit-Policy, RateLimit and X-RateLimit-* headers (300/minute and 5000/day per base)',
      command: `curl -i ${b1} ${gateway}/v1/bases/b1/rows`,
      expect: [{ status: 200, header: { name: 'ratelimit-policy' } }],
    },
    {
      comment: '401: authentication_required, credentials_malformed (quoted key), invalid_token, wrong_instance',
      command: `curl ${gateway}/v1/bases/b1/rows`,
      expect: [{ status: 401, code: 'authentication_required' }],
    },
    { command: `curl -H "Authorization: Bearer \\"$KEY_B1\\"" ${gateway}/v1/bases/b1/rows`, expect: [{ status: 401, code: 'credentials_malformed' }] },
    { command: `curl -H "Authorization: Bearer ${unknownKey}" ${gateway}/v1/bases/b1/rows`, expect: [{ status: 401, code: 'invalid_token' }] },
    { command: `curl -H "Authorization: Bearer ${otherInstanceKey}" ${gateway}/v1/bases/b1/rows`, expect: [{ status: 401, code: 'wrong_instance' }] },
    {
      comment: '403 key_not_bound (b1 key on base b2), then access_denied (no rows:write)',
      command: `curl ${b1} ${gateway}/v1/bases/b2/rows`,
      expect: [{ status: 403, code: 'key_not_bound' }],
    },
    { command: `curl -X POST ${b1} ${gateway}/v1/bases/b1/rows`, expect: [{ status: 403, code: 'access_denied' }] },
    {
      comment: 'a write with an Idempotency-Key, twice: the second answer is a replay (Idempotent-Replayed: true), as is every later one with this key for 24 h (on a second run of this guide, both are)',
      command: write,
      expect: [{ status: 201 }],
      again: [{ status: 201, header: { name: 'idempotent-replayed', value: 'true' } }],
    },
    { command: write, expect: [{ status: 201, header: { name: 'idempotent-replayed', value: 'true' } }] },
    {
      comment: 'an async export: 202 at once with a Location to poll; the result is 409 resource_not_ready for a moment, then the backend\'s answer',
      command: `curl -i -X POST ${b1} ${gateway}/v1/bases/b1/exports`,
      expect: [{ status: 202, header: { name: 'location' } }],
    },
    {
      command: `curl ${b1} ${gateway}/operations/${operationIdPlaceholder}/result`,
      expect: [{ status: 409, code: 'resource_not_ready' }, { status: 201 }],
    },
    {
      comment: '402 feature_not_in_plan (hourly sync is on the pro plan)',
      command: `curl -X POST ${b2} ${gateway}/v1/sync/hourly`,
      expect: [{ status: 402, code: 'feature_not_in_plan' }],
    },
  ];
}

/** A step as printed: its comment lines (`# ...`), then the command, indented. */
export function renderSteps(steps: readonly GuideStep[]): string[] {
  return steps.flatMap((step) => [...(step.comment === undefined ? [] : step.comment.split('\n').map((line) => `  # ${line}`)), `  ${step.command}`]);
}
