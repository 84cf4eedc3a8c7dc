import type { PortierConfig } from '../config/config-types.js';
import { Localizer } from './localizer.js';

/** The deployment's localizer: its languages and operator texts. */
export function localizerOf(config: PortierConfig): Localizer {
  return new Localizer({ language: config.errors.language, languages: config.errors.languages, texts: config.errors.texts });
}
