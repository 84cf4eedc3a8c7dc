import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { renderConformanceDoc } from '../../conformance-doc.js';

describe('docs/conformance.md', () => {
  it('conformance: the generated list of seed rows is current (run `npm run docs` when this fails)', () => {
    expect(readFileSync(new URL('../../../docs/conformance.md', import.meta.url), 'utf8')).toBe(renderConformanceDoc());
  });
});
