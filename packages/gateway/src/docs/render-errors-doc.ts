import { catalogEntry, errorCodes, type CatalogLanguage } from '../errors/catalog.js';

const ownerNames = {
  client: 'the caller',
  gateway: 'the gateway',
  config: 'the operator (configuration)',
  upstream: 'the service behind the gateway',
  capacity: 'capacity (limits and quotas)',
} as const;

/**
 * docs/errors.md, generated from the catalog in the structure of the seeds' help articles: an
 * introduction, each error with its meaning and troubleshooting steps, then how to contact support.
 */
export function renderErrorsDoc(language: CatalogLanguage = 'en'): string {
  const lines = [
    '# Error reference',
    '',
    '<!-- Generated from packages/gateway/src/errors/catalog.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    'Every error Portier can return is listed here, with what it means and what to do about it. Each error',
    'response carries a stable `code`, the HTTP status, and a correlation ID (in the body and in the',
    '`X-Correlation-ID` header) that finds the request again in the gateway log.',
    '',
    '| code | status | owner | retryable |',
    '| --- | --- | --- | --- |',
  ];
  for (const code of errorCodes) {
    const entry = catalogEntry(code);
    const status = entry.statusFromUpstream === true ? `${entry.status} (or the upstream's)` : entry.offline === true ? 'CLI / boot' : String(entry.status);
    lines.push(`| [\`${code}\`](#${code}) | ${status} | ${entry.owner} | ${entry.retryable ? 'yes' : 'no'} |`);
  }
  lines.push('');
  for (const code of errorCodes) {
    const entry = catalogEntry(code);
    const texts = entry.texts[language];
    lines.push(`<a id="${code}"></a>`, `## ${entry.offline === true ? '' : `${entry.status} `}${code}: ${texts.title}`, '');
    lines.push(`Who must act: ${ownerNames[entry.owner]}. Retrying later ${entry.retryable ? 'may' : 'will not'} help.`, '');
    lines.push('**Meaning of the error**', '', texts.meaning, '');
    lines.push('**Troubleshooting steps**', '');
    texts.troubleshooting.forEach((step, index) => lines.push(`${index + 1}. ${step}`));
    lines.push('', `Example detail: _${texts.detail}_`, '', '---', '');
  }
  lines.push(
    '## Contacting support',
    '',
    'If the steps above do not solve the problem, contact the API provider and always include:',
    '',
    '- the full request: method, URL, headers and body, with your API key or token removed;',
    '- every error message you received, with its `code`;',
    '- the correlation ID of the response (`correlationId` in the body, `X-Correlation-ID` header);',
    '- what you are trying to achieve and what you have already tried.',
  );
  return `${lines.join('\n')}\n`;
}
