import { describe, expect, it } from 'vitest';
import { resolveRequestTarget } from '../src/policies/request-target/resolve-request-target.js';

describe('resolveRequestTarget', () => {
  it('request target: keeps a plain origin-form target as it is, query included', () => {
    expect(resolveRequestTarget('/v1/items/42?x=1&y=%2F')).toEqual({ path: '/v1/items/42', query: '?x=1&y=%2F' });
  });

  it('request target: reduces absolute form to origin form, with or without a path', () => {
    expect(resolveRequestTarget('http://evil.example/pre/x?q')).toEqual({ path: '/pre/x', query: '?q' });
    expect(resolveRequestTarget('HTTPS://evil.example:8443')).toEqual({ path: '/', query: '' });
    expect(resolveRequestTarget('http://evil.example?q=1')).toEqual({ path: '/', query: '?q=1' });
  });

  it('request target: decodes escapes of unreserved characters and upper-cases the others', () => {
    expect(resolveRequestTarget('/fil%65s/%7euser/a%3ab%2a')?.path).toBe('/files/~user/a%3Ab%2A');
  });

  it('request target: drops a fragment', () => {
    expect(resolveRequestTarget('/a/b#frag?not-a-query')).toEqual({ path: '/a/b', query: '' });
  });

  it('request target: refuses dot segments, raw, encoded or with parameters, but not dots inside a name', () => {
    for (const target of ['/a/../b', '/a/./b', '/a/..', '/..', '/a/%2e%2e/b', '/a/.%2E/b', '/a/%2e/b', '/a/..;x/b', '/a/.;/b']) {
      expect(resolveRequestTarget(target), target).toBeUndefined();
    }
    for (const target of ['/a/..b', '/a/b..', '/a/.well-known', '/a/...', '/a/%2e%2e%2e']) {
      expect(resolveRequestTarget(target), target).toBeDefined();
    }
  });

  it('request target: refuses encoded slashes, backslashes, NUL and control characters', () => {
    for (const target of ['/a%2fb', '/a%2Fb', '/a%5cb', '/a%5Cb', '/a\\b', '/a%00b', '/a%0ab', '/a%7fb', '/a b', '/a\u00e9']) {
      expect(resolveRequestTarget(target), target).toBeUndefined();
    }
    expect(resolveRequestTarget('/a%2eb')?.path).toBe('/a.b');
  });

  it('request target: refuses malformed escapes and targets that are not paths', () => {
    for (const target of ['/a%zz', '/a%4', '/a%', '*', 'ftp://x/y', 'evil.example:443', '', 'relative/path']) {
      expect(resolveRequestTarget(target), target).toBeUndefined();
    }
  });

  it('request target: refuses a query with bytes no request line may carry', () => {
    expect(resolveRequestTarget('/a?x=\u0001')).toBeUndefined();
    expect(resolveRequestTarget('/a?x=%00&y=\\')).toEqual({ path: '/a', query: '?x=%00&y=\\' });
  });
});
