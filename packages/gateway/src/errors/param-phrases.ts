import { fillTemplate } from './fill-template.js';

type Translated = Readonly<Record<'fr' | 'de' | 'ru', string>>;

/** A phrase: the parameters it may stand in, its English form and its translations. */
type Phrase = Translated & { readonly in: readonly string[]; readonly en: string };

/**
 * The sentences Portier itself puts into a detail's parameters (the `{hint}` of credentials_malformed,
 * the `{url}` fallback of wrong_instance), in English and each shipped language. A parameter stays an
 * English string everywhere it is kept (logs, stored operation errors); `localizeParam` turns it into
 * the caller's language when a detail is rendered. `{name}` parts are identifiers, kept as they are.
 */
const hint = ['hint'];
const reason = ['reason'];
const window = ['window'];

export const paramPhrases = {
  schemeMissing: {
    in: hint,
    en: 'the scheme is missing before the key',
    fr: 'le schéma manque devant la clé',
    de: 'vor dem Schlüssel fehlt das Schema',
    ru: 'перед ключом не указана схема',
  },
  schemeUnknown: {
    in: hint,
    en: 'the scheme "{scheme}" is not one this API accepts',
    fr: 'cette API n\'accepte pas le schéma « {scheme} »',
    de: 'diese API akzeptiert das Schema „{scheme}“ nicht',
    ru: 'этот API не принимает схему «{scheme}»',
  },
  schemeNotAccepted: {
    in: hint,
    en: 'the {scheme} scheme is not accepted here',
    fr: 'le schéma « {scheme} » n\'est pas accepté ici',
    de: 'das Schema „{scheme}“ wird hier nicht akzeptiert',
    ru: 'схема «{scheme}» здесь не принимается',
  },
  basicNotBase64: {
    in: hint,
    en: 'the Basic credentials are not base64',
    fr: 'les identifiants « Basic » ne sont pas codés en base64',
    de: 'die „Basic“-Anmeldedaten sind nicht base64-kodiert',
    ru: 'учётные данные «Basic» не закодированы в base64',
  },
  keyQuoted: {
    in: hint,
    en: 'the key is wrapped in quotes; send it without them',
    fr: 'la clé est entourée de guillemets ; envoyez-la sans',
    de: 'der Schlüssel steht in Anführungszeichen; senden Sie ihn ohne',
    ru: 'ключ заключён в кавычки; отправьте его без них',
  },
  keyHasSpaces: {
    in: hint,
    en: 'the key contains spaces or line breaks',
    fr: 'la clé contient des espaces ou des retours à la ligne',
    de: 'der Schlüssel enthält Leerzeichen oder Zeilenumbrüche',
    ru: 'ключ содержит пробелы или переводы строки',
  },
  keyEmpty: {
    in: hint,
    en: 'the key is empty',
    fr: 'la clé est vide',
    de: 'der Schlüssel ist leer',
    ru: 'ключ пуст',
  },
  keyMangled: {
    in: hint,
    en: 'the key is cut short or has characters a key never has',
    fr: 'la clé est tronquée ou contient des caractères qu\'une clé n\'a jamais',
    de: 'der Schlüssel ist abgeschnitten oder enthält Zeichen, die ein Schlüssel nie hat',
    ru: 'ключ обрезан или содержит символы, которых в ключе не бывает',
  },
  notOurKey: {
    in: hint,
    en: 'this is not an API key of this service (keys start with "pt_")',
    fr: 'ce n\'est pas une clé API de ce service (les clés commencent par « pt_ »)',
    de: 'dies ist kein API-Schlüssel dieses Dienstes (Schlüssel beginnen mit „pt_“)',
    ru: 'это не ключ API этого сервиса (ключи начинаются с «pt_»)',
  },
  keyCutShort: {
    in: hint,
    en: 'the key is cut short',
    fr: 'la clé est tronquée',
    de: 'der Schlüssel ist abgeschnitten',
    ru: 'ключ обрезан',
  },
  keyTooLong: {
    in: hint,
    en: 'the key is too long',
    fr: 'la clé est trop longue',
    de: 'der Schlüssel ist zu lang',
    ru: 'ключ слишком длинный',
  },
  checksumMismatch: {
    in: hint,
    en: 'the checksum does not match: the key was mistyped or changed',
    fr: 'la somme de contrôle ne correspond pas : la clé a été mal recopiée ou modifiée',
    de: 'die Prüfsumme stimmt nicht: Der Schlüssel wurde falsch abgetippt oder verändert',
    ru: 'контрольная сумма не совпадает: ключ введён с ошибкой или изменён',
  },
  wrongEnvironment: {
    in: hint,
    en: 'this is a {environment} key and this API accepts {accepted} keys',
    fr: 'c\'est une clé de l\'environnement « {environment} » et cette API accepte celles de « {accepted} »',
    de: 'dies ist ein Schlüssel der Umgebung „{environment}“, und diese API akzeptiert die der Umgebung „{accepted}“',
    ru: 'это ключ окружения «{environment}», а этот API принимает ключи окружения «{accepted}»',
  },
  instanceAddress: {
    in: ['url'],
    en: 'the address of the {instance} instance',
    fr: 'l\'adresse de l\'instance {instance}',
    de: 'die Adresse der Instanz {instance}',
    ru: 'адрес экземпляра {instance}',
  },
  // What the Idempotency-Key parser says is wrong with the header.
  idempotencySentTwice: { in: reason, en: 'it was sent more than once', fr: 'il a été envoyé plusieurs fois', de: 'er wurde mehrfach gesendet', ru: 'он передан несколько раз' },
  idempotencyEmpty: { in: reason, en: 'it is empty', fr: 'il est vide', de: 'er ist leer', ru: 'он пуст' },
  idempotencyTooLong: {
    in: reason,
    en: 'it is longer than {max} characters',
    fr: 'il dépasse {max} caractères',
    de: 'er ist länger als {max} Zeichen',
    ru: 'он длиннее {max} символов',
  },
  idempotencyNotAscii: {
    in: reason,
    en: 'it holds characters outside printable ASCII',
    fr: 'il contient des caractères hors de l\'ASCII imprimable',
    de: 'er enthält Zeichen außerhalb des druckbaren ASCII',
    ru: 'он содержит символы вне печатаемого ASCII',
  },
  idempotencyQuoteOpen: {
    in: reason,
    en: 'its opening quote is not closed',
    fr: 'son guillemet ouvrant n\'est pas fermé',
    de: 'sein öffnendes Anführungszeichen wird nicht geschlossen',
    ru: 'открывающая кавычка не закрыта',
  },
  idempotencyBadEscape: { in: reason, en: 'it has an invalid escape', fr: 'il contient un échappement invalide', de: 'er enthält eine ungültige Escape-Sequenz', ru: 'он содержит недопустимое экранирование' },
  idempotencyInnerQuote: {
    in: reason,
    en: 'it has an unescaped quote inside',
    fr: 'il contient un guillemet non échappé',
    de: 'er enthält ein nicht maskiertes Anführungszeichen',
    ru: 'он содержит неэкранированную кавычку',
  },
  // What the HTTP parser and the router refuse (server/answer-client-error.ts, the pipeline).
  httpHeaderToken: {
    in: reason,
    en: 'a header name or value contains characters that are not allowed',
    fr: 'un nom ou une valeur d\'en-tête contient des caractères interdits',
    de: 'ein Header-Name oder -Wert enthält unzulässige Zeichen',
    ru: 'имя или значение заголовка содержит недопустимые символы',
  },
  httpMethod: { in: reason, en: 'the HTTP method is not valid', fr: 'la méthode HTTP n\'est pas valide', de: 'die HTTP-Methode ist ungültig', ru: 'недопустимый метод HTTP' },
  httpUrl: { in: reason, en: 'the URL is not valid', fr: 'l\'URL n\'est pas valide', de: 'die URL ist ungültig', ru: 'недопустимый URL' },
  httpVersion: { in: reason, en: 'the HTTP version is not valid', fr: 'la version HTTP n\'est pas valide', de: 'die HTTP-Version ist ungültig', ru: 'недопустимая версия HTTP' },
  httpContentLength: {
    in: reason,
    en: 'the Content-Length header is not valid',
    fr: 'l\'en-tête Content-Length n\'est pas valide',
    de: 'der Content-Length-Header ist ungültig',
    ru: 'недопустимый заголовок Content-Length',
  },
  httpTransferEncoding: {
    in: reason,
    en: 'the Transfer-Encoding header is not valid',
    fr: 'l\'en-tête Transfer-Encoding n\'est pas valide',
    de: 'der Transfer-Encoding-Header ist ungültig',
    ru: 'недопустимый заголовок Transfer-Encoding',
  },
  httpChunks: { in: reason, en: 'the chunked body is malformed', fr: 'le corps découpé (« chunked ») est mal formé', de: 'der Chunked-Body ist fehlerhaft', ru: 'тело в формате «chunked» повреждено' },
  httpMalformed: {
    in: reason,
    en: 'the request is not well-formed HTTP/1.1',
    fr: 'la requête n\'est pas du HTTP/1.1 bien formé',
    de: 'die Anfrage ist kein wohlgeformtes HTTP/1.1',
    ru: 'запрос не является корректным HTTP/1.1',
  },
  // What operation listing refuses (operations/operation-routes.ts).
  integerRange: {
    in: reason,
    en: '{name} must be an integer from {min} to {max}',
    fr: '{name} doit être un entier de {min} à {max}',
    de: '{name} muss eine ganze Zahl von {min} bis {max} sein',
    ru: '{name} должен быть целым числом от {min} до {max}',
  },
  integerFrom: {
    in: reason,
    en: '{name} must be an integer from {min}',
    fr: '{name} doit être un entier à partir de {min}',
    de: '{name} muss eine ganze Zahl ab {min} sein',
    ru: '{name} должен быть целым числом не меньше {min}',
  },
  hostMissing: { in: reason, en: 'the Host header is missing', fr: 'l\'en-tête Host manque', de: 'der Host-Header fehlt', ru: 'нет заголовка Host' },
  hostRepeated: { in: reason, en: 'the Host header is repeated', fr: 'l\'en-tête Host est répété', de: 'der Host-Header ist mehrfach vorhanden', ru: 'заголовок Host повторяется' },
  cursorUnknown: {
    in: reason,
    en: 'the cursor is not one this API returned',
    fr: 'ce curseur n\'a pas été renvoyé par cette API',
    de: 'diesen Cursor hat diese API nicht zurückgegeben',
    ru: 'этот курсор не был выдан этим API',
  },
  // Why a body is not JSON (request-validation/json-text.ts); `{found}` is itself a phrase or a quoted character.
  jsonNotUtf8: { in: reason, en: 'the body is not valid UTF-8', fr: 'le corps n\'est pas de l\'UTF-8 valide', de: 'der Body ist kein gültiges UTF-8', ru: 'тело не является корректным UTF-8' },
  jsonTooDeep: {
    in: reason,
    en: 'it is nested deeper than {max} levels',
    fr: 'il est imbriqué sur plus de {max} niveaux',
    de: 'es ist tiefer als {max} Ebenen verschachtelt',
    ru: 'вложенность глубже {max} уровней',
  },
  jsonUnexpected: { in: reason, en: 'unexpected {found}', fr: '{found} inattendu', de: 'unerwartet: {found}', ru: 'неожиданно: {found}' },
  jsonUnexpectedAfter: {
    in: reason,
    en: 'unexpected {found} after the end of the value',
    fr: '{found} inattendu après la fin de la valeur',
    de: 'unerwartet nach dem Ende des Werts: {found}',
    ru: 'неожиданно после конца значения: {found}',
  },
  jsonBadUnicodeEscape: {
    in: reason,
    en: 'invalid \\u escape in a string',
    fr: 'échappement \\u invalide dans une chaîne',
    de: 'ungültige \\u-Escape-Sequenz in einer Zeichenkette',
    ru: 'недопустимое экранирование \\u в строке',
  },
  jsonBadEscape: { in: reason, en: 'invalid escape in a string', fr: 'échappement invalide dans une chaîne', de: 'ungültige Escape-Sequenz in einer Zeichenkette', ru: 'недопустимое экранирование в строке' },
  jsonControlCharacter: {
    in: reason,
    en: 'unescaped control character in a string',
    fr: 'caractère de contrôle non échappé dans une chaîne',
    de: 'nicht maskiertes Steuerzeichen in einer Zeichenkette',
    ru: 'неэкранированный управляющий символ в строке',
  },
  jsonUnterminated: { in: reason, en: 'unterminated string', fr: 'chaîne non terminée', de: 'nicht abgeschlossene Zeichenkette', ru: 'незакрытая строка' },
  jsonEndsEarly: {
    in: reason,
    en: 'the body ends where a value was expected',
    fr: 'le corps s\'arrête là où une valeur était attendue',
    de: 'der Body endet, wo ein Wert erwartet wurde',
    ru: 'тело обрывается там, где ожидалось значение',
  },
  jsonPropertyName: {
    in: reason,
    en: 'expected a property name in double quotes, found {found}',
    fr: 'nom de propriété entre guillemets doubles attendu, trouvé : {found}',
    de: 'Eigenschaftsname in doppelten Anführungszeichen erwartet, gefunden: {found}',
    ru: 'ожидалось имя свойства в двойных кавычках, найдено: {found}',
  },
  jsonColon: {
    in: reason,
    en: 'expected \':\' after a property name, found {found}',
    fr: '« : » attendu après un nom de propriété, trouvé : {found}',
    de: '„:“ nach einem Eigenschaftsnamen erwartet, gefunden: {found}',
    ru: 'после имени свойства ожидалось «:», найдено: {found}',
  },
  jsonObjectNext: {
    in: reason,
    en: 'expected \',\' or \'}\' in an object, found {found}',
    fr: '« , » ou « } » attendu dans un objet, trouvé : {found}',
    de: '„,“ oder „}“ in einem Objekt erwartet, gefunden: {found}',
    ru: 'в объекте ожидалось «,» или «}», найдено: {found}',
  },
  jsonArrayNext: {
    in: reason,
    en: 'expected \',\' or \']\' in an array, found {found}',
    fr: '« , » ou « ] » attendu dans un tableau, trouvé : {found}',
    de: '„,“ oder „]“ in einem Array erwartet, gefunden: {found}',
    ru: 'в массиве ожидалось «,» или «]», найдено: {found}',
  },
  jsonUnparsable: { in: reason, en: 'it could not be parsed', fr: 'il n\'a pas pu être analysé', de: 'er konnte nicht geparst werden', ru: 'его не удалось разобрать' },
  jsonEndOfBody: { in: ['found'], en: 'the end of the body', fr: 'la fin du corps', de: 'das Ende des Bodys', ru: 'конец тела' },
  jsonCharacter: { in: ['found'], en: 'character {code}', fr: 'le caractère {code}', de: 'das Zeichen {code}', ru: 'символ {code}' },
  noContentType: { in: ['received'], en: 'no Content-Type', fr: 'sans Content-Type', de: 'ohne Content-Type', ru: 'без Content-Type' },
  // A limit's window when it is a unit (`per: day`); durations such as `10s` need no words.
  second: { in: window, en: 'second', fr: 'seconde', de: 'Sekunde', ru: 'секунду' },
  minute: { in: window, en: 'minute', fr: 'minute', de: 'Minute', ru: 'минуту' },
  hour: { in: window, en: 'hour', fr: 'heure', de: 'Stunde', ru: 'час' },
  day: { in: window, en: 'day', fr: 'jour', de: 'Tag', ru: 'день' },
  month: { in: window, en: 'month', fr: 'mois', de: 'Monat', ru: 'месяц' },
} as const satisfies Readonly<Record<string, Phrase>>;

export type ParamPhrase = keyof typeof paramPhrases;

/** The word between alternatives (`A` or `B`), per language. */
const orWord: Readonly<Record<string, string>> = { en: 'or', fr: 'ou', de: 'oder', ru: 'или' };

/** What the caller puts in a header form (`Authorization: Bearer <key>`), per language. */
const placeholders: Readonly<Record<string, Translated>> = {
  '<key>': { fr: '<clé>', de: '<Schlüssel>', ru: '<ключ>' },
  '<base64 of the key>': { fr: '<clé en base64>', de: '<Schlüssel in Base64>', ru: '<ключ в base64>' },
};

/** A phrase in English, the form parameters are kept in. */
export function phrase(name: ParamPhrase, params: Readonly<Record<string, string>> = {}): string {
  return fillTemplate(paramPhrases[name].en, params);
}

/** Code-formatted alternatives joined by "or" (`Authorization: Bearer <key>` or `X-Api-Key: <key>`). */
export function alternatives(forms: readonly string[]): string {
  return forms.join(` ${orWord['en'] as string} `);
}

/** Code-formatted values joined by "or". */
const alternativesPattern = /^`[^`]*`( or `[^`]*`)+$/;
/** The `expected` of a key refusal: one header form or several (`Authorization: Bearer <key>` or …). */
const headerFormsPattern = /^`[^`:]+: [^`]*`( or `[^`:]+: [^`]*`)*$/;

interface CompiledPhrase {
  readonly in: readonly string[];
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly texts: Translated;
  /** Length of the fixed text, to try longer phrases first. */
  readonly fixed: number;
}

const compiled: readonly CompiledPhrase[] = Object.values(paramPhrases as Readonly<Record<string, Phrase>>).map((texts) => {
  const names = [...texts.en.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
  const source = texts.en
    .split(/\{\w+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('(.+?)');
  return { in: texts.in, pattern: new RegExp(`^${source}$`), names, texts, fixed: texts.en.replace(/\{\w+\}/g, '').length };
})
  // The most specific first: `unexpected {found} after the end of the value` before `unexpected {found}`.
  .sort((a, b) => b.fixed - a.fixed);

/** A parameter value in `language`: a known phrase or a list of alternatives is translated, anything else kept. */
export function localizeParam(name: string, value: string | number, language: string): string | number {
  if (typeof value !== 'string' || language === 'en' || !(language in orWord)) return value;
  const lang = language as keyof Translated;
  const forms = name === 'expected' && headerFormsPattern.test(value);
  if (forms || alternativesPattern.test(value)) {
    const joined = value.replace(/` or `/g, `\` ${orWord[lang] as string} \``);
    return forms ? joined.replace(/<[^<>`]+>/g, (placeholder) => placeholders[placeholder]?.[lang] ?? placeholder) : joined;
  }
  for (const { in: scope, pattern, names, texts } of compiled) {
    if (!scope.includes(name)) continue;
    const match = pattern.exec(value);
    if (match === null) continue;
    // A phrase's own parts may be phrases too (the `{found}` of a JSON syntax error).
    const params = Object.fromEntries(names.map((part, index) => [part, String(localizeParam(part, match[index + 1] as string, language))]));
    return fillTemplate(texts[lang], params);
  }
  return value;
}

/** Every parameter of a detail in `language`. */
export function localizeParams(params: Readonly<Record<string, string | number>>, language: string): Record<string, string | number> {
  return Object.fromEntries(Object.entries(params).map(([name, value]) => [name, localizeParam(name, value, language)]));
}
