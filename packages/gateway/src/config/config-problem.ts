/** One thing wrong with a config file, with where it is. */
export interface ConfigProblem {
  readonly file: string;
  /** 1-based line, or 0 when the problem is about the file as a whole. */
  readonly line: number;
  readonly column: number;
  /** Key path in the document, e.g. `routes[0].methods[1]`; '' for the root. */
  readonly path: string;
  readonly message: string;
}

export function formatConfigProblem(problem: ConfigProblem): string {
  const where = problem.line > 0 ? `${problem.file}:${problem.line}:${problem.column}` : problem.file;
  return problem.path === '' ? `${where} ${problem.message}` : `${where} ${problem.path}: ${problem.message}`;
}

/** Renders path segments as `routes[0].methods[1]`. */
export function formatKeyPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** Reports one problem at a place in the document (`['routes', 0, 'upstream']`): how config rules speak. */
export type ReportProblem = (segments: readonly (string | number)[], message: string) => void;
