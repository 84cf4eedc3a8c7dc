import { parseAcceptLanguage } from '../errors/localizer.js';

/** The languages the portal's page is written in (its `strings-<lang>.json`), the first the default. */
export const portalLanguages = ['en', 'fr', 'de', 'ru'] as const;

/**
 * The portal language for an Accept-Language value or a language the page asks for (`fr`, `fr-CH`):
 * the first range, by weight, whose primary subtag the portal has; English otherwise.
 */
export function portalLanguageOf(requested: string | undefined): string {
  if (requested === undefined || requested === '') return portalLanguages[0];
  for (const { tag, q } of parseAcceptLanguage(requested)) {
    if (q === 0) continue;
    const primary = tag.toLowerCase().split('-')[0] ?? '';
    if ((portalLanguages as readonly string[]).includes(primary)) return primary;
  }
  return portalLanguages[0];
}
