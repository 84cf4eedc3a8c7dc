import { describe, expect, it } from 'vitest';
import { policyContext } from '../../test/helpers/policy-context.js';

describe('request context', () => {
  it('defer: runs every deferred action once, last deferred first', () => {
    const ctx = policyContext();
    const ran: string[] = [];
    ctx.defer(() => ran.push('entity slot'));
    ctx.defer(() => ran.push('usage'));
    ctx.runDeferred();
    ctx.runDeferred();
    expect(ran).toEqual(['usage', 'entity slot']);
  });

  it('defer: an action that throws keeps none of the others from running, and its error is raised after them', () => {
    const ctx = policyContext();
    const ran: string[] = [];
    ctx.defer(() => ran.push('first'));
    ctx.defer(() => {
      throw new Error('store down');
    });
    ctx.defer(() => ran.push('last'));
    expect(() => ctx.runDeferred()).toThrow('store down');
    expect(ran).toEqual(['last', 'first']);
  });
});
