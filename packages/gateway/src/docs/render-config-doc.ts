import { configSchema } from '../config/schema.js';

interface SchemaNode {
  readonly type?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly items?: SchemaNode;
  readonly required?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly pattern?: string;
}

/** docs/config.md, generated from the descriptions in the config schema. */
export function renderConfigDoc(): string {
  const lines = [
    '# Configuration reference (portier.yaml)',
    '',
    '<!-- Generated from packages/gateway/src/config/schema.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    (configSchema as SchemaNode).description ?? '',
    '',
    'Values may use environment variables: `${NAME}` or `${NAME:-default}` (`$$` is a literal `$`). A value that is',
    'only a reference takes the type of what it expands to, so `port: ${PORT}` is a number.',
    'Check a file without starting the gateway with `portier config check FILE`: every problem is listed with its line and key path,',
    'and the command exits with status 2 if there is any.',
    '',
  ];
  renderObject(configSchema as SchemaNode, '', lines);
  return `${lines.join('\n').trimEnd()}\n`;
}

function renderObject(node: SchemaNode, path: string, lines: string[]): void {
  const properties = node.properties ?? {};
  const names = Object.keys(properties);
  if (names.length > 0) {
    lines.push(`## \`${path === '' ? '(root)' : path}\``, '');
    if (path !== '' && node.description !== undefined) lines.push(node.description, '');
    lines.push('| key | type | default | description |', '| --- | --- | --- | --- |');
    for (const name of names) {
      const child = properties[name] as SchemaNode;
      const required = node.required?.includes(name) === true ? ' (required)' : '';
      lines.push(`| \`${name}\`${required} | ${typeOf(child)} | ${defaultOf(child)} | ${escape(child.description ?? '')} |`);
    }
    lines.push('');
  }
  for (const name of names) {
    const child = properties[name] as SchemaNode;
    const childPath = path === '' ? name : `${path}.${name}`;
    if (child.properties !== undefined) renderObject(child, childPath, lines);
    if (typeof child.additionalProperties === 'object') renderObject(child.additionalProperties, `${childPath}.<key>`, lines);
    if (child.items?.properties !== undefined) renderObject(child.items, `${childPath}[]`, lines);
  }
}

function typeOf(node: SchemaNode): string {
  if (node.enum !== undefined) return node.enum.map((value) => `\`${String(value)}\``).join(' \\| ');
  if (node.type === 'array') return `list of ${node.items === undefined ? 'values' : typeOf(node.items)}`;
  const range = node.minimum !== undefined && node.maximum !== undefined ? ` (${node.minimum}–${node.maximum})` : '';
  if (node.type === 'object' && typeof node.additionalProperties === 'object') return 'map';
  return `${node.type ?? 'any'}${range}`;
}

function defaultOf(node: SchemaNode): string {
  if (node.default === undefined) return '';
  if (typeof node.default === 'object' && node.default !== null && !Array.isArray(node.default)) return '';
  return `\`${JSON.stringify(node.default)}\``;
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
