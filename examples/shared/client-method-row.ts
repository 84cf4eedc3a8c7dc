import { readFileSync } from 'node:fs';

/**
 * One method of a seed API's own client library whose route the example serves, with what its test
 * checks. Each example's client test runs one case per row; docs/conformance.md is written from them.
 */
export interface ClientMethodRow {
  /** How a caller names it: `pushData.listOperations`. */
  readonly method: string;
  /** The request it sends, as the client's source builds it: `GET /companies/{companyId}/push`. */
  readonly route: string;
  /** What the case proves: the answer parses into the client's model, and what it holds. */
  readonly result: string;
}

/** A client library and its rows. */
export interface ClientMethodTable {
  /** The package and its installed version: `@codat/platform 6.2.1`. */
  readonly client: string;
  /** The example whose tests call it: `codat`. */
  readonly example: string;
  readonly rows: readonly ClientMethodRow[];
  /** What a reader of the table should know (a defect of the client, a workaround). */
  readonly notes?: readonly string[];
}

/** `name version` of a client as installed (the version the lock file pins). */
export function installedClient(name: string): string {
  const manifest = JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string };
  return `${name} ${manifest.version}`;
}
