import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { catalog, errorCodes } from '../src/errors/catalog.js';
import { renderConfigDoc } from '../src/docs/render-config-doc.js';
import { renderErrorsDoc } from '../src/docs/render-errors-doc.js';
import { renderLifecycleDoc, withStageTable } from '../src/docs/render-lifecycle-doc.js';
import { lifecycle } from '../src/policies/lifecycle.js';

const docsDir = new URL('../../../docs/', import.meta.url);
const read = (name: string): string => readFileSync(fileURLToPath(new URL(name, docsDir)), 'utf8');

describe('generated references', () => {
  it('docs/errors.md: is current with the catalog (run `npm run docs` when this fails)', () => {
    expect(read('errors.md')).toBe(renderErrorsDoc());
  });

  it('docs/config.md: is current with the schema (run `npm run docs` when this fails)', () => {
    expect(read('config.md')).toBe(renderConfigDoc());
  });

  it('docs/config.md: the memory-bounds table names only metrics the gateway exports', () => {
    const section = renderConfigDoc().split('## Memory bounds')[1]?.split('\n## ')[0] ?? '';
    const named = [...new Set([...section.matchAll(/`(portier_[a-z_]+)/g)].map((match) => match[1] as string))];
    expect(named.length).toBeGreaterThan(5);
    const source = readFileSync(fileURLToPath(new URL('../src/metrics/gateway-metrics.ts', import.meta.url)), 'utf8');
    for (const name of named) expect(source, name).toContain(`name: '${name}'`);
  });

  it('docs/lifecycle.md and the README stage table: are current with the lifecycle (run `npm run docs` when this fails)', () => {
    expect(read('lifecycle.md')).toBe(renderLifecycleDoc());
    const readme = readFileSync(fileURLToPath(new URL('../README.md', docsDir)), 'utf8');
    expect(readme).toBe(withStageTable(readme));
    // The table lists the stages in the lifecycle's order, after the server row.
    const table = readme.slice(readme.indexOf('<!-- stages:start'), readme.indexOf('<!-- stages:end'));
    const names = [...table.matchAll(/^\| ([a-z][a-z-]*) \| /gm)].map((match) => match[1]).filter((name) => name !== 'stage');
    expect(names).toEqual(['server', ...lifecycle.map((stage) => stage.name)]);
  });

  it('docs/errors.md: lists exactly the catalog codes, each with an anchor', () => {
    const anchors = [...read('errors.md').matchAll(/<a id="([a-z_]+)"><\/a>/g)].map((match) => match[1]);
    expect(anchors).toEqual(errorCodes);
  });
});

describe('error catalog', () => {
  it('catalog: gives every code a title, detail, meaning and troubleshooting steps', () => {
    for (const code of errorCodes) {
      const texts = catalog[code].texts.en;
      expect(texts.title, code).not.toBe('');
      expect(texts.detail, code).not.toBe('');
      expect(texts.meaning, code).not.toBe('');
      expect(texts.troubleshooting.length, code).toBeGreaterThan(0);
    }
  });

  it('catalog: uses codes that are snake_case and statuses that are errors', () => {
    for (const code of errorCodes) {
      expect(code).toMatch(/^[a-z][a-z_]*[a-z]$/);
      expect(catalog[code].status).toBeGreaterThanOrEqual(400);
      expect(catalog[code].status).toBeLessThan(600);
    }
  });
});
