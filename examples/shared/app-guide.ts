import type { ExpectedAnswer } from '../../packages/gateway/src/demo/demo-guide-steps.js';
import type { DemoKeys } from './app-example.js';

/** One shell line of the guide, with the comment above it and what it answers. */
export interface GuideStep {
  readonly comment: string;
  readonly command: string;
  /** What the last request of the line answers. */
  readonly expect: ExpectedAnswer;
  /** A loop: at least one of its requests gives `expect`, the others one of `also`. */
  readonly also?: readonly ExpectedAnswer[];
}

/**
 * The guide every example app prints, in order (`$KEY` and `$READ_KEY` are the demo keys printed with
 * it): one table for the printed guide and for the test that runs every line of it against the
 * started example, so that a guide cannot promise what its app does not answer. The limits are the
 * examples' portier.yaml: 10 a minute and 1,000 a day per key, 2 projects per account (the app's rule).
 */
export function appGuideSteps(url: string): GuideStep[] {
  const key = '-H "Authorization: Bearer $KEY"';
  const json = "-H 'content-type: application/json'";
  const create = (name: string, extra = ''): string => `curl -i -X POST ${key}${extra} ${json} --data '{"name":"${name}"}' ${url}/v1/projects`;
  return [
    { comment: '401 authentication_required: no key', command: `curl -i ${url}/v1/projects`, expect: { status: 401, code: 'authentication_required' } },
    {
      comment: 'the app answers, with RateLimit-Policy and RateLimit for both windows (10 a minute, 1,000 a day)',
      command: `curl -i ${key} ${url}/v1/projects`,
      expect: { status: 200, header: { name: 'ratelimit-policy', value: '"minute";q=10;w=60, "day";q=1000;w=86400' } },
    },
    {
      comment: '400 validation_failed, every problem listed; the app is not called',
      command: `curl -i -X POST ${key} ${json} --data '{"name":"","colour":"red"}' ${url}/v1/projects`,
      expect: { status: 400, code: 'validation_failed' },
    },
    { comment: 'a create with an Idempotency-Key, then the same again: the app\'s first answer replayed byte for byte', command: create('alpha', " -H 'Idempotency-Key: \"alpha-1\"'"), expect: { status: 201 } },
    { comment: '(Idempotent-Replayed: true, the app not called twice)', command: create('alpha', " -H 'Idempotency-Key: \"alpha-1\"'"), expect: { status: 201, header: { name: 'idempotent-replayed', value: 'true' } } },
    { comment: 'a second project', command: create('beta'), expect: { status: 201 } },
    { comment: '402 entity_limit_reached, thrown by the app (2 projects per account) and rendered by Portier', command: create('gamma'), expect: { status: 402, code: 'entity_limit_reached' } },
    {
      comment: '403 access_denied: the read-only key lacks projects:write',
      command: `curl -i -X POST -H "Authorization: Bearer $READ_KEY" ${json} --data '{"name":"delta"}' ${url}/v1/projects`,
      expect: { status: 403, code: 'access_denied' },
    },
    { comment: '404 not_found: under /v1, a path no config route has', command: `curl -i ${key} ${url}/v1/nope`, expect: { status: 404, code: 'not_found' } },
    {
      comment: '429 rate_limited once the minute\'s 10 are used, with Retry-After',
      command: `for i in 1 2 3 4 5 6 7 8; do curl -s -o /dev/null -w '%{http_code} %header{retry-after}\\n' ${key} ${url}/v1/projects; done`,
      expect: { status: 429, header: { name: 'retry-after' } },
      also: [{ status: 200 }],
    },
  ];
}

/** The printed guide: a title, the keys, each step's comment and command. */
export function appGuideLines(title: string, url: string, keys: DemoKeys): string[] {
  return [
    '',
    `${title} at ${url}: Portier runs inside the app (no gateway in front).`,
    `KEY=${keys.key}   # the demo account's key, scope projects:write`,
    `READ_KEY=${keys.readKey}   # a key without scopes`,
    '',
    ...appGuideSteps(url).flatMap((step) => [`  # ${step.comment}`, `  ${step.command}`]),
  ];
}
