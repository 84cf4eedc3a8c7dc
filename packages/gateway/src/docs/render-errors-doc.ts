import { catalogEntry, errorCodes } from '../errors/catalog.js';
import { defaultLocalizer, type Localizer } from '../errors/localizer.js';
import { referenceTextsFor } from './reference-texts.js';

/**
 * The error reference in Markdown (docs/errors.md and its translations), generated from the catalog in
 * the structure of the seeds' help articles: an introduction, each error with its meaning and
 * troubleshooting steps, then how to contact support.
 */
export function renderErrorsDoc(language = 'en', localizer: Localizer = defaultLocalizer): string {
  const page = referenceTextsFor(language);
  const lines = [
    `# ${page.title}`,
    '',
    '<!-- Generated from packages/gateway/src/errors/catalog.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    ...page.intro.flatMap((paragraph) => [paragraph, '']),
    `| ${page.tableHeaders.join(' | ')} |`,
    '| --- | --- | --- | --- |',
  ];
  for (const code of errorCodes) {
    const entry = catalogEntry(code);
    const status = entry.statusFromUpstream === true ? `${entry.status} ${page.upstreamStatus}` : entry.offline === true ? page.offline : String(entry.status);
    lines.push(`| [\`${code}\`](#${code}) | ${status} | ${page.owners[entry.owner]} | ${entry.retryable ? page.yes : page.no} |`);
  }
  lines.push('');
  for (const code of errorCodes) {
    const entry = catalogEntry(code);
    const texts = localizer.textsOf(code, language);
    lines.push(`<a id="${code}"></a>`, `## ${entry.offline === true ? '' : `${entry.status} `}${code}: ${texts.title}`, '');
    lines.push(page.whoActs(page.owners[entry.owner], entry.retryable), '');
    lines.push(`**${page.meaning}**`, '', texts.meaning, '');
    lines.push(`**${page.troubleshooting}**`, '');
    texts.troubleshooting.forEach((step, index) => lines.push(`${index + 1}. ${step}`));
    lines.push('', `${page.example}: _${texts.detail}_`, '', '---', '');
  }
  lines.push(`## ${page.supportTitle}`, '', page.supportIntro, '', ...page.supportItems.map((item) => `- ${item}`));
  return `${lines.join('\n')}\n`;
}
