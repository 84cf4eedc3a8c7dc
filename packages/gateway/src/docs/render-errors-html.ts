import { catalogEntry, errorCodes } from '../errors/catalog.js';
import { defaultLocalizer, type Localizer } from '../errors/localizer.js';
import { referenceTextsFor } from './reference-texts.js';

export interface HtmlReferenceOptions {
  /** Base path of the served pages: language links are `<basePath>/<language>`. */
  readonly basePath: string;
  readonly languages: readonly string[];
}

/**
 * The error reference as one self-contained HTML page per language: readable on a phone (fluid
 * layout, wrapping code), printable (no navigation, no breaks inside an error), an anchor per code for
 * the problem `type` links, and links to the other languages.
 */
export function renderErrorsHtml(language: string, localizer: Localizer = defaultLocalizer, options: HtmlReferenceOptions = { basePath: '/docs/errors', languages: ['en'] }): string {
  const page = referenceTextsFor(language);
  const rows = errorCodes.map((code) => {
    const entry = catalogEntry(code);
    const status = entry.statusFromUpstream === true ? `${entry.status} ${page.upstreamStatus}` : entry.offline === true ? page.offline : String(entry.status);
    return `<tr><td><a href="#${code}"><code>${code.replace(/_/g, '_<wbr>')}</code></a></td><td>${escape(status)}</td><td>${escape(page.owners[entry.owner])}</td><td>${entry.retryable ? page.yes : page.no}</td></tr>`;
  });
  const sections = errorCodes.map((code) => {
    const entry = catalogEntry(code);
    const texts = localizer.textsOf(code, language);
    const steps = texts.troubleshooting.map((step) => `<li>${inline(step)}</li>`).join('');
    return `<section id="${code}" class="error">
<h2><span class="status">${entry.offline === true ? '' : entry.status}</span> <code>${code}</code> ${escape(texts.title)}</h2>
<p class="who">${escape(page.whoActs(page.owners[entry.owner], entry.retryable))}</p>
<h3>${escape(page.meaning)}</h3>
<p>${inline(texts.meaning)}</p>
<h3>${escape(page.troubleshooting)}</h3>
<ol>${steps}</ol>
<p class="example">${escape(page.example)}: <em>${inline(texts.detail)}</em></p>
</section>`;
  });
  const switcher = options.languages
    .map((other) => (other === language ? `<strong>${escape(referenceTextsFor(other).languageName)}</strong>` : `<a href="${escape(`${options.basePath}/${other}`)}" hreflang="${escape(other)}">${escape(nameOf(other))}</a>`))
    .join(' · ');
  return `<!doctype html>
<html lang="${escape(language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(page.title)}</title>
<style>
:root { color-scheme: light; --accent: #1d4ed8; --muted: #555; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 52rem; padding: 1rem; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111; background: #fff; }
h1 { font-size: 1.8rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 0 0 .5rem; overflow-wrap: anywhere; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; background: #f2f4f7; padding: .05em .3em; border-radius: 3px; overflow-wrap: anywhere; }
nav.languages { font-size: .95rem; margin-bottom: 1rem; }
a { color: var(--accent); }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
td code { overflow-wrap: normal; }
th { overflow-wrap: anywhere; hyphens: auto; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
.table-wrap { overflow-x: auto; }
section.error { border-top: 1px solid #e5e7eb; padding: 1.25rem 0; }
section.error:target { background: #fffbea; }
.status { color: var(--accent); }
.who, .example { color: var(--muted); }
@media (max-width: 480px) { body { padding: .75rem; font-size: 15px; } h1 { font-size: 1.5rem; } th:nth-child(3), td:nth-child(3) { display: none; } }
@media print { nav.languages { display: none; } body { max-width: none; font-size: 11pt; } section.error { break-inside: avoid; } a { color: inherit; text-decoration: none; } section.error:target { background: none; } }
</style>
</head>
<body>
<nav class="languages" aria-label="languages">${switcher}</nav>
<h1>${escape(page.title)}</h1>
${page.intro.map((paragraph) => `<p>${inline(paragraph)}</p>`).join('\n')}
<div class="table-wrap"><table>
<thead><tr>${page.tableHeaders.map((header) => `<th>${escape(header)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>
${sections.join('\n')}
<section id="support">
<h2>${escape(page.supportTitle)}</h2>
<p>${escape(page.supportIntro)}</p>
<ul>${page.supportItems.map((item) => `<li>${inline(item)}</li>`).join('')}</ul>
</section>
</body>
</html>
`;
}

function nameOf(language: string): string {
  const name = referenceTextsFor(language).languageName;
  return name === 'English' && language !== 'en' ? language : name;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Escapes text and turns `code spans` into <code>. */
function inline(text: string): string {
  return escape(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}
