import { shippedLanguages } from '../errors/catalog.js';
import { renderErrorsDoc } from './render-errors-doc.js';

/** The generated Markdown references: docs/errors.md in English, docs/errors.<lang>.md for the others. */
export function referenceFiles(): { file: string; text: string }[] {
  return shippedLanguages.map((language) => ({ file: language === 'en' ? 'errors.md' : `errors.${language}.md`, text: renderErrorsDoc(language) }));
}
