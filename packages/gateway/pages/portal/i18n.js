// The portal's texts: one strings-<lang>.json per language. The first visit takes the language the
// server picks from Accept-Language (strings.json); the switcher's choice is remembered in this tab.

const chosenKey = 'portier.portal.language';
let strings = {};
let language = 'en';

export function currentLanguage() {
  return language;
}

/** Loads the strings: the chosen language, or the one Accept-Language picks. */
export async function loadStrings(choice = sessionStorage.getItem(chosenKey) ?? undefined) {
  const response = await fetch(choice === undefined ? 'strings.json' : `strings-${encodeURIComponent(choice)}.json`, { credentials: 'omit' });
  if (!response.ok) throw new Error(`strings: ${response.status}`);
  strings = await response.json();
  language = response.headers.get('content-language') ?? choice ?? 'en';
  if (choice !== undefined) sessionStorage.setItem(chosenKey, choice);
  document.documentElement.lang = language;
}

/** One text, with `{name}` replaced by `params.name`. */
export function t(name, params = {}) {
  const template = strings[name] ?? name;
  return template.replace(/\{(\w+)\}/g, (whole, key) => (key in params ? String(params[key]) : whole));
}

/** Puts the texts into every element marked `data-text` (their content) and the title. */
export function applyStrings(params = {}) {
  for (const element of document.querySelectorAll('[data-text]')) element.textContent = t(element.dataset.text, params);
  document.title = t('title');
}

/** A date and time in the portal's language, or "never". */
export function formatTime(value) {
  if (value === null || value === undefined) return t('never');
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value));
}

/** A duration in seconds as the largest whole unit that fits (for the rotation grace period). */
export function formatDuration(seconds) {
  const units = [['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]];
  const [unit, size] = units.find(([, size]) => seconds % size === 0 && seconds >= size) ?? ['second', 1];
  return new Intl.NumberFormat(language, { style: 'unit', unit, unitDisplay: 'long' }).format(seconds / size);
}
