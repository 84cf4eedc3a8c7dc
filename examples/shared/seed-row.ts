/**
 * One row of a seed error reference, with the conformance test that reproduces it through Portier.
 * Each example's conformance test iterates its table; docs/conformance.md is written from them.
 */
export interface SeedRow {
  readonly seed: string;
  /** The row as the seed names it. */
  readonly row: string;
  readonly status: number;
  /** Name of the test case that proves it (in examples/<api>/test/conformance.test.ts). */
  readonly test: string;
}
