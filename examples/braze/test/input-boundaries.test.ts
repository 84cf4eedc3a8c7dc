import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { boundaryPair, sizeRulesOf, valueOfSize, withValueAt, type SizeRule } from '../../shared/input-boundaries.js';
import { startBrazeExample, type BrazeExample } from '../start.js';

// Every size rule of the Braze example's body schemas gets its boundary pair at the number the seed
// states (seed 003: 75 attributes, 50 ids, 140 characters, 1,912 and 4,000 bytes): the limit passes, one
// past it fails with the rule's own message. The rules are found in portier.yaml, so a new rule without
// a case here fails; the numbers are the seed's, so a config that drifts from the seed fails too.

let example: BrazeExample;
let key: string;

beforeAll(async () => {
  example = await startBrazeExample({ port: 0 });
  key = await example.issueKey();
});
afterAll(async () => {
  await example.close();
});

interface Case {
  /** The seed's number for this rule. */
  readonly limit: number;
  /** A body that is valid without the bounded value. */
  readonly base: Record<string, unknown>;
  /** What a bounded array is filled with; what a byte-bounded object grows from. */
  readonly item?: unknown;
  readonly seed?: Record<string, unknown>;
}

/** For each rule (route, path, keyword): the seed's limit and a body to carry the value. */
const cases: Record<string, Case> = {
  'users-track attributes maxItems': { limit: 75, base: {}, item: { external_id: 'u1' } },
  'users-delete external_ids maxItems': { limit: 50, base: {}, item: 'u1' },
  'messages-send external_user_ids maxItems': { limit: 50, base: { messages: { apple_push: { alert: 'hi' } } }, item: 'u1' },
  'messages-send messages.apple_push maxSerializedBytes': { limit: 1912, base: { segment_id: 's1' }, seed: { alert: 'hi' } },
  'messages-send messages.android_push maxSerializedBytes': { limit: 4000, base: { segment_id: 's1' }, seed: { alert: 'hi' } },
  'messages-send messages.slideup.message maxLength': { limit: 140, base: { segment_id: 's1' } },
};

const nameOf = (rule: SizeRule): string => `${rule.routeId} ${rule.path.join('.')} ${rule.keyword}`;

function caseOf(rule: SizeRule): Case {
  const found = cases[nameOf(rule)];
  if (found === undefined) throw new Error(`no case for ${nameOf(rule)}`);
  return found;
}

function pathOf(routeId: string): string {
  const route = example.config.routes.find((candidate) => candidate.id === routeId);
  if (route === undefined) throw new Error(`no route ${routeId}`);
  return route.path;
}

async function send(rule: SizeRule, size: number): Promise<{ status: number; text: string }> {
  const { base, item = 'x', seed = {} } = caseOf(rule);
  const body = withValueAt(base, rule.path, valueOfSize(rule, size, item, seed));
  const response = await request(`${example.url}${pathOf(rule.routeId)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, text: await response.body.text() };
}

describe('braze input rules at their boundaries', () => {
  it('braze rules: every size rule of portier.yaml has a case here', () => {
    expect(sizeRulesOf(example.config).map(nameOf).sort()).toEqual(Object.keys(cases).sort());
  });

  it('braze rules: each seed limit passes and one past it fails with the rule message', async () => {
    const rules = sizeRulesOf(example.config);
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      const { passes, fails } = boundaryPair({ ...rule, limit: caseOf(rule).limit });
      const ok = await send(rule, passes);
      expect(ok.status, `${nameOf(rule)} at ${passes}: ${ok.text}`).toBeLessThan(300);
      const refused = await send(rule, fails);
      expect(refused.status, `${nameOf(rule)} at ${fails}`).toBe(400);
      expect(JSON.parse(refused.text).message, nameOf(rule)).toBe(rule.message);
    }
  });
});
