import { formatConfigProblem, type ConfigProblem } from '../config/config-problem.js';
import { catalog } from '../errors/catalog.js';
import { fillTemplate } from '../errors/fill-template.js';

/**
 * Prints the `config_invalid` report: the catalog's texts, then one line per problem. Under
 * `config check` itself, the hint that suggests running `config check` is left out.
 */
export function reportConfigProblems(file: string, problems: readonly ConfigProblem[], json: boolean, fromConfigCheck = false): void {
  const texts = catalog.config_invalid.texts.en;
  if (json) {
    process.stderr.write(`${JSON.stringify({ code: 'config_invalid', file, problems }, null, 2)}\n`);
    return;
  }
  const lines = [
    `config_invalid: ${fillTemplate(texts.detail, { file, count: problems.length })}`,
    ...problems.map((problem) => `  ${formatConfigProblem(problem)}`),
    '',
    ...texts.troubleshooting.filter((step) => !(fromConfigCheck && step.includes('config check'))).map((step) => `hint: ${step}`),
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}
