import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { boundaryPair, sizeRulesOf, valueOfSize, withValueAt, type SizeRule } from '../../shared/input-boundaries.js';
import { startCodatExample, type CodatExample, type IssuedCodatKey } from '../start.js';

// Every size rule of the Codat example's body schemas gets its boundary pair: the limit passes, one past
// it (or one short, for a minimum) fails. The rules are found in portier.yaml, so a new rule without a
// case here fails. Seed 002 states no field lengths: the numbers are the example's own, written here
// again so that a change to either side is seen.

let example: CodatExample;
let key: IssuedCodatKey;

beforeAll(async () => {
  example = await startCodatExample({ port: 0 });
  key = await example.issueKey();
});
afterAll(async () => {
  await example.close();
});

/** For each rule (route, path, keyword): its limit and a body that is valid without the bounded value. */
const cases: Record<string, { readonly limit: number; readonly base: Record<string, unknown> }> = {
  'companies-create name minLength': { limit: 1, base: {} },
  'companies-create name maxLength': { limit: 255, base: {} },
  'companies-create description maxLength': { limit: 4000, base: { name: 'Acme' } },
};

const nameOf = (rule: SizeRule): string => `${rule.routeId} ${rule.path.join('.')} ${rule.keyword}`;

function caseOf(rule: SizeRule): { readonly limit: number; readonly base: Record<string, unknown> } {
  const found = cases[nameOf(rule)];
  if (found === undefined) throw new Error(`no case for ${nameOf(rule)}`);
  return found;
}

async function send(rule: SizeRule, size: number): Promise<{ status: number; body: { validation?: { errors?: { message?: string }[] } } }> {
  const { base } = caseOf(rule);
  const route = example.config.routes.find((candidate) => candidate.id === rule.routeId);
  if (route === undefined) throw new Error(`no route ${rule.routeId}`);
  const response = await request(`${example.url}${route.path}`, {
    method: 'POST',
    headers: { authorization: key.authorization, 'content-type': 'application/json' },
    body: JSON.stringify(withValueAt(base, rule.path, valueOfSize(rule, size, 'x', {}))),
  });
  return { status: response.statusCode, body: (await response.body.json()) as never };
}

describe('codat input rules at their boundaries', () => {
  it('codat rules: every size rule of portier.yaml has a case here', () => {
    expect(sizeRulesOf(example.config).map(nameOf).sort()).toEqual(Object.keys(cases).sort());
  });

  it('codat rules: each limit passes and one past it fails, with the rule message where it has one', async () => {
    for (const rule of sizeRulesOf(example.config)) {
      const { passes, fails } = boundaryPair({ ...rule, limit: caseOf(rule).limit });
      const ok = await send(rule, passes);
      expect(ok.status, `${nameOf(rule)} ${rule.keyword} at ${passes}`).toBeLessThan(300);
      const refused = await send(rule, fails);
      expect(refused.status, `${nameOf(rule)} ${rule.keyword} at ${fails}`).toBe(400);
      const messages = (refused.body.validation?.errors ?? []).map((error) => error.message);
      expect(messages.length, nameOf(rule)).toBeGreaterThan(0);
      if (rule.message !== undefined) expect(messages, nameOf(rule)).toContain(rule.message);
    }
  });
});
