import { describe, expect, it } from 'vitest';
import { configOf, policyContext } from '../../../test/helpers/policy-context.js';
import { PortierError } from '../../errors/portier-error.js';
import { requestTargetStage } from './index.js';
import { resolveRequestTarget } from './resolve-request-target.js';

const minimal = "upstreams: { app: { url: 'http://127.0.0.1:9' } }\nroutes: [{ id: r, path: /r, upstream: app }]";

const config = configOf(minimal);
const policy = requestTargetStage.create(true, undefined);

describe('request-target policy', () => {
  it('request-target: runs on every request and can only answer invalid_request_target', () => {
    expect(requestTargetStage.settingsOf(config)).toBe(true);
    expect(requestTargetStage.codes(true, config)).toEqual(['invalid_request_target']);
  });

  it('request-target: the normalized path goes to ctx.path and, with the query, back into req.url', () => {
    const ctx = policyContext({ url: 'http://example.com/a/%7Euser/%2a?x=%2F#frag' });
    expect(policy.handle(ctx)).toBeUndefined();
    expect(ctx.path).toBe('/a/~user/%2A');
    expect(ctx.req.url).toBe('/a/~user/%2A?x=%2F');
  });

  it('request-target: a refused target answers 400 invalid_request_target and keeps at most 200 characters of it as the path', () => {
    const url = `/${'a'.repeat(300)}/%2F`;
    const ctx = policyContext({ url });
    const decision = policy.handle(ctx);
    expect(decision).toBeInstanceOf(PortierError);
    expect((decision as PortierError).code).toBe('invalid_request_target');
    expect(ctx.path).toBe(url.slice(0, 200));
    expect(ctx.req.url).toBe(url);
  });

  it('request-target: a refused target\'s path keeps no query string (a key sent there is never logged)', () => {
    const ctx = policyContext({ url: '/v1/%2e%2e/things?api_key=pt_live_eu1_secret&x=1' });
    expect((policy.handle(ctx) as PortierError).code).toBe('invalid_request_target');
    expect(ctx.path).toBe('/v1/%2e%2e/things');
    const withoutQuery = policyContext({ url: '/v1/%2e%2e' });
    expect((policy.handle(withoutQuery) as PortierError).code).toBe('invalid_request_target');
    expect(withoutQuery.path).toBe('/v1/%2e%2e');
  });

  it('request-target: a request the view gives without a target is read as /', () => {
    const ctx = policyContext({ url: '/ignored' });
    (ctx.req as { url: string | undefined }).url = undefined;
    expect(policy.handle(ctx)).toBeUndefined();
    expect(ctx.path).toBe('/');
    expect(ctx.req.url).toBe('/');
  });

  it('request-target: keeps plain paths and queries as they are', () => {
    expect(resolveRequestTarget("/a-b._~!$&'()*+,;=:@/c")).toEqual({ path: "/a-b._~!$&'()*+,;=:@/c", query: '' });
    expect(resolveRequestTarget('/p?q=1&r=%20')).toEqual({ path: '/p', query: '?q=1&r=%20' });
    expect(resolveRequestTarget('/')).toEqual({ path: '/', query: '' });
  });

  it('request-target: reduces the absolute form to its path, adding the leading slash when it has none', () => {
    expect(resolveRequestTarget('HTTPS://Example.com:8443/x?y')).toEqual({ path: '/x', query: '?y' });
    expect(resolveRequestTarget('http://example.com')).toEqual({ path: '/', query: '' });
    expect(resolveRequestTarget('http://example.com?q')).toEqual({ path: '/', query: '?q' });
  });

  it('request-target: refuses targets that are not origin or http(s) absolute form', () => {
    for (const url of ['*', 'ftp://example.com/x', 'example.com/x', '']) expect(resolveRequestTarget(url), url).toBeUndefined();
  });

  it('request-target: decodes unreserved escapes, upper-cases the others, and drops a fragment', () => {
    expect(resolveRequestTarget('/%41%5a%61%7A%30%39%2D%2E%5F%7E')).toEqual({ path: '/AZaz09-._~', query: '' });
    expect(resolveRequestTarget('/%40%2b%3a%20')?.path).toBe('/%40%2B%3A%20');
    // Just past each range of letters, and bytes of UTF-8: kept escaped.
    expect(resolveRequestTarget('/%5b%60%7b%c3%a9')?.path).toBe('/%5B%60%7B%C3%A9');
    expect(resolveRequestTarget('/%2f'.replace('%2f', '%25'))?.path).toBe('/%25');
    expect(resolveRequestTarget('/a#/../b')).toEqual({ path: '/a', query: '' });
  });

  it('request-target: refuses encoded slashes, backslashes, NUL, control and non-ASCII characters, and bad escapes', () => {
    for (const url of ['/a%2Fb', '/a%2fb', '/a%5Cb', '/a\\b', '/a%00', '/a%1F', '/a%7F', '/a b', '/a\u00e9', '/a\u007f', '/a%', '/a%4', '/a%G1', '/a%%41']) {
      expect(resolveRequestTarget(url), url).toBeUndefined();
    }
    expect(resolveRequestTarget('/a%20b')?.path).toBe('/a%20b');
    expect(resolveRequestTarget('/a%7Eb%21')?.path).toBe('/a~b%21');
  });

  it('request-target: refuses dot segments, also encoded and with parameters, but not dots inside names', () => {
    for (const url of ['/..', '/.', '/a/../b', '/a/./b', '/a/..', '/%2e%2e/x', '/%2E/x', '/a/..;x/b', '/a/.;/b', '../a']) {
      expect(resolveRequestTarget(url), url).toBeUndefined();
    }
    for (const url of ['/a.b', '/a/...', '/.well-known/x', '/a/..b', '/a/b..', '/v1.2/x;y']) {
      expect(resolveRequestTarget(url)?.path, url).toBe(url);
    }
  });

  it('request-target: refuses a query with spaces or non-ASCII, and accepts every other printable character', () => {
    expect(resolveRequestTarget('/p?a b')).toBeUndefined();
    expect(resolveRequestTarget('/p?\u00e9')).toBeUndefined();
    expect(resolveRequestTarget('/p?a\tb')).toBeUndefined();
    expect(resolveRequestTarget('/p?!~"<>{}|')).toEqual({ path: '/p', query: '?!~"<>{}|' });
  });
});
