import type { ReportProblem } from '../config/config-problem.js';
import { templateFieldNames } from './json-template.js';

/** A template (token and key answers, the operation list) may name only `allowed` fields. */
export function checkFields(template: unknown, allowed: readonly string[], what: string, segments: readonly (string | number)[], report: ReportProblem): void {
  for (const name of templateFieldNames(template)) {
    if (!allowed.includes(name)) report(segments, `unknown field "{${name}}" in ${what}: use {${allowed.join('}, {')}}`);
  }
}
