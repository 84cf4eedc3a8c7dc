import { renderJsonTemplate } from '../templates/json-template.js';

/** What an `operations.list.body` template may name; `links.<name>` reads one HAL link. */
export const operationListFields = [
  'operations',
  'next',
  'previous',
  'self',
  'current',
  'page',
  'pageSize',
  'total',
  'links',
  'links.self',
  'links.current',
  'links.next',
  'links.previous',
] as const;

/** The answer of `GET <operations.path>` unless `operations.list.body` shapes it. */
export const defaultOperationListBody: Readonly<Record<string, unknown>> = { data: '{operations}', next: '{next}' };

/** One page of the list, as the template sees it. Links are paths with their query. */
export interface OperationListPage {
  /** The page's operations, each already shaped by its operation body. */
  readonly operations: readonly unknown[];
  readonly self: string;
  readonly current: string;
  readonly next: string | null;
  readonly previous: string | null;
  /** Page number and total count: `page` paging only (null with cursors, which have neither). */
  readonly page: number | null;
  readonly total: number | null;
  readonly pageSize: number;
}

/** Renders the list answer; `links` is the HAL form (`{"href": ...}`, null for a page that does not exist). */
export function renderOperationList(template: Readonly<Record<string, unknown>>, page: OperationListPage): unknown {
  const href = (link: string | null): { href: string } | null => (link === null ? null : { href: link });
  const values: Readonly<Record<string, unknown>> = {
    ...page,
    links: { self: href(page.self), current: href(page.current), next: href(page.next), previous: href(page.previous) },
  };
  return renderJsonTemplate(template, (name) => name.split('.').reduce<unknown>((node, part) => memberOf(node, part), values));
}

function memberOf(node: unknown, name: string): unknown {
  if (node === null || typeof node !== 'object' || !Object.hasOwn(node, name)) return null;
  return (node as Record<string, unknown>)[name];
}
