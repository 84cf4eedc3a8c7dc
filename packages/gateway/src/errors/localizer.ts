import { catalog, shippedLanguages, type CatalogLanguage, type ErrorCode, type ErrorTexts } from './catalog.js';
import { de } from './translations/de.js';
import { fr } from './translations/fr.js';
import { ru } from './translations/ru.js';

const translations: Readonly<Record<Exclude<CatalogLanguage, 'en'>, Readonly<Record<ErrorCode, ErrorTexts>>>> = { fr, de, ru };

/** Operator texts from config: any field of any code, in a shipped language or a new one. */
export type TextOverrides = Readonly<Record<string, Readonly<Record<string, Partial<ErrorTexts>>>>>;

export interface LocalizerSettings {
  /** The deployment's language: used when the caller states no acceptable one. */
  readonly language: string;
  /** Languages offered to callers. */
  readonly languages: readonly string[];
  readonly texts: TextOverrides;
}

/** The texts of the catalog shipped in `language` (English for a language Portier does not ship). */
export function shippedTexts(code: ErrorCode, language: string): ErrorTexts {
  if (language === 'en' || !(shippedLanguages as readonly string[]).includes(language)) return catalog[code].texts.en;
  return translations[language as Exclude<CatalogLanguage, 'en'>][code];
}

/**
 * Error texts in the caller's language: the operator's override, else the shipped translation, else
 * the deployment language, else English. Also negotiates `Accept-Language`.
 */
export class Localizer {
  private readonly offered: readonly string[];

  constructor(readonly settings: LocalizerSettings) {
    this.offered = settings.languages.map((language) => language.toLowerCase());
  }

  get language(): string {
    return this.settings.language;
  }

  get languages(): readonly string[] {
    return this.settings.languages;
  }

  textsOf(code: ErrorCode, language: string): ErrorTexts {
    const base = (shippedLanguages as readonly string[]).includes(language) ? shippedTexts(code, language) : this.fallbackTexts(code);
    const override = this.settings.texts[language]?.[code];
    return override === undefined ? base : { ...base, ...override };
  }

  /**
   * The offered language that best matches an Accept-Language value (RFC 9110 quality values, RFC 4647
   * lookup: `fr-CH` falls back to `fr`; `*` means any offered language not refused with q=0), or the
   * deployment's language.
   */
  negotiate(acceptLanguage: string | undefined): string {
    if (acceptLanguage === undefined) return this.settings.language;
    const ranges = parseAcceptLanguage(acceptLanguage);
    const refused = new Set(ranges.filter((range) => range.q === 0).map((range) => range.tag));
    for (const range of ranges) {
      if (range.q === 0) continue;
      if (range.tag === '*') {
        const any = [this.settings.language.toLowerCase(), ...this.offered].find((language) => !refused.has(language));
        if (any !== undefined) return this.original(any);
        continue;
      }
      for (let tag = range.tag; tag !== ''; tag = tag.includes('-') ? tag.slice(0, tag.lastIndexOf('-')) : '') {
        if (this.offered.includes(tag) && !refused.has(tag)) return this.original(tag);
      }
    }
    return this.settings.language;
  }

  private original(lower: string): string {
    return this.settings.languages.find((language) => language.toLowerCase() === lower) ?? this.settings.language;
  }

  /** For an added language: each field from the override, else the deployment language's text. */
  private fallbackTexts(code: ErrorCode): ErrorTexts {
    // When the added language is the deployment's own, its shipped texts are English ones.
    const deployment = this.settings.language;
    const base = shippedTexts(code, deployment);
    const deploymentOverride = this.settings.texts[deployment]?.[code];
    return deploymentOverride === undefined ? base : { ...base, ...deploymentOverride };
  }
}

interface LanguageRange {
  readonly tag: string;
  readonly q: number;
}

/** Language ranges by descending quality (stable for equal ones); malformed members are skipped. */
export function parseAcceptLanguage(value: string): LanguageRange[] {
  const ranges: LanguageRange[] = [];
  for (const member of value.split(',')) {
    const [rawTag, ...params] = member.split(';').map((part) => part.trim());
    if (rawTag === undefined || !/^(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)$/.test(rawTag)) continue;
    let q = 1;
    let valid = true;
    for (const param of params) {
      const match = /^q=(0(\.\d{0,3})?|1(\.0{0,3})?)$/i.exec(param);
      if (match === null) valid = false;
      else q = Number(match[1]);
    }
    if (valid) ranges.push({ tag: rawTag.toLowerCase(), q });
  }
  // Array.prototype.sort is stable: equal qualities keep the order they were sent in.
  return ranges.sort((a, b) => b.q - a.q);
}

/** English only, every shipped language offered: what code without a config uses. */
export const defaultLocalizer = new Localizer({ language: 'en', languages: shippedLanguages, texts: {} });
