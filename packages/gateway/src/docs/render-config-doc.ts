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
  renderMemoryBounds(lines);
  renderObject(configSchema as SchemaNode, '', lines);
  return `${lines.join('\n').trimEnd()}\n`;
}

/** One state of the gateway that grows with callers: the setting that bounds it, what happens past it, its metrics. */
interface MemoryBound {
  readonly state: string;
  readonly setting: string;
  readonly past: string;
  readonly metrics: string;
}

const memoryBounds: readonly MemoryBound[] = [
  { state: 'key cache (known keys and their accounts)', setting: 'auth.keyCache.maxKeys', past: 'least recently used dropped, looked up again when it comes back', metrics: '`portier_key_cache_entries{cache="keys"}`, `portier_key_cache_evictions{cache="keys"}`' },
  { state: 'unknown keys (negative lookups)', setting: 'auth.keyCache.maxUnknownKeys', past: 'oldest dropped; each forgotten after `unknownKeyTtlMs`, all on any key change', metrics: '`portier_key_cache_entries{cache="unknown"}`, `portier_key_cache_evictions{cache="unknown"}`' },
  { state: 'key lookups in flight', setting: 'auth.keyCache.maxConcurrentLookups', past: 'refused: 503 `account_store_busy` (cached keys never are)', metrics: '`portier_key_lookups_running`, `portier_key_lookups_refused`' },
  { state: 'key lookups in flight for one client address, once half of all are taken', setting: 'auth.keyCache.maxConcurrentLookupsPerClient', past: 'that client refused: 503 `account_store_busy`; others keep their share', metrics: '`portier_key_lookups_refused`' },
  { state: 'last-used times waiting to be written', setting: 'auth.keyCache.maxPendingUses', past: 'written at once; dropped while that write runs', metrics: '`portier_key_usage_pending`, `portier_key_usage_dropped`' },
  { state: 'in-process rate-limit counters (one per limit and subject)', setting: 'rateLimits.maxTrackedCounters', past: 'oldest dropped (its count is forgotten); ended windows swept every 10 s', metrics: '`portier_rate_limit_local_counters`, `portier_rate_limit_local_counters_evicted`' },
  { state: 'operations waiting (in the queue\'s database, not in memory)', setting: 'operations.maxPending', past: 'refused: 503 `operation_queue_full`', metrics: '`portier_operations`' },
];

/** The bounds of everything that grows with callers, with defaults read from the schema so they never go stale. */
function renderMemoryBounds(lines: string[]): void {
  lines.push(
    '## Memory bounds',
    '',
    'Every in-memory map that grows with callers has a bound, a rule for what happens past it, and a metric',
    '(on the admin port\'s `/metrics`, see docs/metrics.md), so no caller, and no number of callers or of unknown',
    'keys, grows memory without limit. Figures for 100,000 keys are in docs/rate-limits.md (Memory per caller).',
    '',
    '| state | bounded by (default) | past the bound | metrics |',
    '| --- | --- | --- | --- |',
  );
  for (const bound of memoryBounds) {
    const value = schemaAt(bound.setting).default;
    if (typeof value !== 'number') throw new Error(`memory bound ${bound.setting} has no numeric default in the schema`);
    lines.push(`| ${bound.state} | \`${bound.setting}\` (${value.toLocaleString('en-US')}) | ${bound.past} | ${bound.metrics} |`);
  }
  lines.push(
    '',
    'Not per caller, so not bounded here: circuit breakers (one per upstream, `portier_circuit_state`), metric',
    'label sets (route, method, status, code) and time-zone calculations, all fixed by the config. Idempotency',
    'records are never held in memory: they live in SQLite (every minute all expired rows are deleted, 1,000 to a',
    'transaction) or in Redis (each key expires by itself, `PEXPIRE`), `idempotency.ttl` after they were made.',
    'Redis counters expire one window after their own ends.',
    '',
  );
}

function schemaAt(path: string): SchemaNode {
  let node = configSchema as SchemaNode;
  for (const name of path.split('.')) {
    const next = node.properties?.[name];
    if (next === undefined) throw new Error(`no ${path} in the config schema`);
    node = next;
  }
  return node;
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
