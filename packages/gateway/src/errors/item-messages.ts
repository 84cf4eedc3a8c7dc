import type { ErrorItem } from './portier-error.js';
import { fillTemplate } from './fill-template.js';

type Language = 'fr' | 'de' | 'ru';

/**
 * What a validation item says when the schema gave no `x-message`: the rule that failed (Ajv's keyword)
 * and its parameters. The English message is Ajv's own, set when the item is made; the other shipped
 * languages are rendered from this when the answer is (`localizeItem`).
 */
interface ItemWording {
  readonly subject: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Items Portier worded itself, by item: an operator's `x-message` is never in here, so never reworded. */
const wordings = new WeakMap<ErrorItem, ItemWording>();

/** Records how Portier worded `item` (see findingsOf), so that it can be said in another language. */
export function wordedByPortier(item: ErrorItem, subject: string, keyword: string, params: Readonly<Record<string, unknown>>): ErrorItem {
  const flat = Object.fromEntries(Object.entries(params).map(([name, value]) => [name, Array.isArray(value) ? value.map(String).join(', ') : String(value)]));
  wordings.set(item, { subject, keyword, params: flat });
  return item;
}

/** "the body", when the whole body fails a rule. */
const wholeBody: Readonly<Record<Language, string>> = { fr: 'le corps', de: 'der Body', ru: 'тело запроса' };

/**
 * Per Ajv keyword: `{subject}` (a JSON pointer or the whole body) and the keyword's parameters.
 * Identifiers (types, formats, patterns, property names) are quoted, as in the catalog's translations.
 */
const templates: Readonly<Record<string, Readonly<Record<Language, string>>>> = {
  required: { fr: '{subject} est obligatoire', de: '{subject} ist erforderlich', ru: '{subject}: обязательное поле' },
  type: { fr: '{subject} doit être de type « {type} »', de: '{subject} muss vom Typ „{type}“ sein', ru: '{subject}: должно иметь тип «{type}»' },
  minLength: { fr: '{subject} doit avoir au moins {limit} caractère(s)', de: '{subject} muss mindestens {limit} Zeichen haben', ru: '{subject}: не менее {limit} символов' },
  maxLength: { fr: '{subject} doit avoir au plus {limit} caractère(s)', de: '{subject} darf höchstens {limit} Zeichen haben', ru: '{subject}: не более {limit} символов' },
  minItems: { fr: '{subject} doit avoir au moins {limit} élément(s)', de: '{subject} muss mindestens {limit} Elemente haben', ru: '{subject}: не менее {limit} элементов' },
  maxItems: { fr: '{subject} doit avoir au plus {limit} élément(s)', de: '{subject} darf höchstens {limit} Elemente haben', ru: '{subject}: не более {limit} элементов' },
  minProperties: { fr: '{subject} doit avoir au moins {limit} propriété(s)', de: '{subject} muss mindestens {limit} Eigenschaften haben', ru: '{subject}: не менее {limit} свойств' },
  maxProperties: { fr: '{subject} doit avoir au plus {limit} propriété(s)', de: '{subject} darf höchstens {limit} Eigenschaften haben', ru: '{subject}: не более {limit} свойств' },
  minimum: { fr: '{subject} doit être {comparison} {limit}', de: '{subject} muss {comparison} {limit} sein', ru: '{subject}: должно быть {comparison} {limit}' },
  maximum: { fr: '{subject} doit être {comparison} {limit}', de: '{subject} muss {comparison} {limit} sein', ru: '{subject}: должно быть {comparison} {limit}' },
  exclusiveMinimum: { fr: '{subject} doit être {comparison} {limit}', de: '{subject} muss {comparison} {limit} sein', ru: '{subject}: должно быть {comparison} {limit}' },
  exclusiveMaximum: { fr: '{subject} doit être {comparison} {limit}', de: '{subject} muss {comparison} {limit} sein', ru: '{subject}: должно быть {comparison} {limit}' },
  multipleOf: { fr: '{subject} doit être un multiple de {multipleOf}', de: '{subject} muss ein Vielfaches von {multipleOf} sein', ru: '{subject}: должно быть кратно {multipleOf}' },
  pattern: { fr: '{subject} doit suivre le motif « {pattern} »', de: '{subject} muss dem Muster „{pattern}“ folgen', ru: '{subject}: должно соответствовать шаблону «{pattern}»' },
  format: { fr: '{subject} doit être au format « {format} »', de: '{subject} muss im Format „{format}“ sein', ru: '{subject}: должно быть в формате «{format}»' },
  enum: { fr: '{subject} doit être l\'une des valeurs permises', de: '{subject} muss einer der erlaubten Werte sein', ru: '{subject}: должно быть одним из допустимых значений' },
  const: { fr: '{subject} doit être la valeur attendue', de: '{subject} muss der erwartete Wert sein', ru: '{subject}: должно быть равно ожидаемому значению' },
  additionalProperties: { fr: '{subject} a une propriété en trop : « {additionalProperty} »', de: '{subject} hat eine Eigenschaft zu viel: „{additionalProperty}“', ru: '{subject}: лишнее свойство «{additionalProperty}»' },
  uniqueItems: { fr: '{subject} contient des doublons (éléments {j} et {i})', de: '{subject} enthält Duplikate (Elemente {j} und {i})', ru: '{subject}: повторяющиеся элементы ({j} и {i})' },
  anyOf: { fr: '{subject} ne correspond à aucune des formes permises', de: '{subject} entspricht keiner der erlaubten Formen', ru: '{subject}: не соответствует ни одной из допустимых форм' },
  oneOf: { fr: '{subject} doit correspondre à exactement une des formes permises', de: '{subject} muss genau einer der erlaubten Formen entsprechen', ru: '{subject}: должно соответствовать ровно одной из допустимых форм' },
  not: { fr: '{subject} a une forme interdite', de: '{subject} hat eine verbotene Form', ru: '{subject}: недопустимая форма' },
  contains: { fr: '{subject} doit contenir au moins {minContains} élément(s) valide(s)', de: '{subject} muss mindestens {minContains} gültige(s) Element(e) enthalten', ru: '{subject}: должно содержать не менее {minContains} допустимых элементов' },
  dependencies: { fr: '{subject} doit avoir « {missingProperty} » quand « {property} » est là', de: '{subject} braucht „{missingProperty}“, wenn „{property}“ da ist', ru: '{subject}: нужно «{missingProperty}», если есть «{property}»' },
  propertyNames: { fr: '{subject} a un nom de propriété invalide : « {propertyName} »', de: '{subject} hat einen ungültigen Eigenschaftsnamen: „{propertyName}“', ru: '{subject}: недопустимое имя свойства «{propertyName}»' },
  maxSerializedBytes: { fr: '{subject} doit faire au plus {limit} octets une fois sérialisé', de: '{subject} darf serialisiert höchstens {limit} Bytes groß sein', ru: '{subject}: не более {limit} байт в сериализованном виде' },
};

/** Any other rule: named, not described. */
const otherRule: Readonly<Record<Language, string>> = {
  fr: '{subject} ne respecte pas la règle « {keyword} »',
  de: '{subject} verletzt die Regel „{keyword}“',
  ru: '{subject}: нарушено правило «{keyword}»',
};

/** The keywords `localizeItem` has words for (the test renders each). */
export const describedKeywords: readonly string[] = Object.keys(templates);

/** `item` in `language`: Portier's own message translated; an operator's `x-message`, or English, as it is. */
export function localizeItem(item: ErrorItem, language: string): ErrorItem {
  const wording = wordings.get(item);
  if (wording === undefined || !(language in wholeBody)) return item;
  const lang = language as Language;
  const subject = wording.subject === '' ? wholeBody[lang] : wording.subject;
  const template = templates[wording.keyword]?.[lang] ?? otherRule[lang];
  return { ...item, message: fillTemplate(template, { ...wording.params, keyword: wording.keyword, subject }) };
}
