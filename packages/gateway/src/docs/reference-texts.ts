import type { ErrorOwner } from '../errors/catalog.js';

/** The words of the error reference page around the catalog's texts, per shipped language. */
export interface ReferenceTexts {
  readonly title: string;
  readonly intro: readonly string[];
  readonly tableHeaders: readonly [string, string, string, string];
  readonly yes: string;
  readonly no: string;
  readonly upstreamStatus: string;
  readonly offline: string;
  readonly owners: Readonly<Record<ErrorOwner, string>>;
  readonly whoActs: (owner: string, retryable: boolean) => string;
  readonly meaning: string;
  readonly troubleshooting: string;
  readonly example: string;
  readonly supportTitle: string;
  readonly supportIntro: string;
  readonly supportItems: readonly string[];
  readonly languageName: string;
}

export const referenceTexts: Readonly<Record<'en' | 'fr' | 'de' | 'ru', ReferenceTexts>> = {
  en: {
    title: 'Error reference',
    intro: [
      'Errors can occur when calling the API. This page explains every error the API can return, what it means and how to fix it.',
      'Each error response carries a stable `code`, the HTTP status, and a correlation ID (in the body and in the `X-Correlation-ID` header) that finds the request again for support. If you cannot solve the problem, follow the last section so that support can help you quickly.',
    ],
    tableHeaders: ['code', 'status', 'owner', 'retryable'],
    yes: 'yes',
    no: 'no',
    upstreamStatus: "(or the upstream's)",
    offline: 'CLI / boot',
    owners: {
      client: 'the caller',
      gateway: 'the gateway',
      config: 'the operator (configuration)',
      upstream: 'the service behind the gateway',
      capacity: 'capacity (limits and quotas)',
    },
    whoActs: (owner, retryable) => `Who must act: ${owner}. Retrying later ${retryable ? 'may' : 'will not'} help.`,
    meaning: 'Meaning of the error',
    troubleshooting: 'Troubleshooting steps',
    example: 'Example detail',
    supportTitle: 'Contacting support',
    supportIntro: 'If the steps above do not solve the problem, contact the API provider and always include:',
    supportItems: [
      'the full request: method, URL, headers and body, with your API key or token removed;',
      'every error message you received, with its `code`;',
      'the correlation ID of the response (`correlationId` in the body, `X-Correlation-ID` header);',
      'what you are trying to achieve and what you have already tried.',
    ],
    languageName: 'English',
  },
  fr: {
    title: 'Référence des erreurs',
    intro: [
      'Des erreurs peuvent survenir lors des appels à l\'API. Cette page explique chaque erreur que l\'API peut renvoyer, sa signification et comment la corriger.',
      'Chaque réponse d\'erreur contient un `code` stable, le statut HTTP et un identifiant de corrélation (dans le corps et dans l\'en-tête `X-Correlation-ID`) qui permet au support de retrouver la requête. Si vous ne parvenez pas à résoudre le problème, suivez la dernière section afin que le support puisse vous aider rapidement.',
    ],
    tableHeaders: ['code', 'statut', 'responsable', 'réessayable'],
    yes: 'oui',
    no: 'non',
    upstreamStatus: '(ou celui du service)',
    offline: 'CLI / démarrage',
    owners: {
      client: 'l\'appelant',
      gateway: 'la passerelle',
      config: 'l\'opérateur (configuration)',
      upstream: 'le service derrière la passerelle',
      capacity: 'la capacité (limites et quotas)',
    },
    whoActs: (owner, retryable) => `Qui doit agir : ${owner}. Réessayer plus tard ${retryable ? 'peut' : 'ne peut pas'} aider.`,
    meaning: 'Signification du message d\'erreur',
    troubleshooting: 'Étapes de dépannage',
    example: 'Exemple de détail',
    supportTitle: 'Instructions pour contacter le support',
    supportIntro: 'Si les étapes ci-dessus n\'ont pas résolu votre problème, contactez le fournisseur de l\'API et indiquez toujours :',
    supportItems: [
      'la requête complète : méthode, URL, en-têtes et corps, en retirant votre clé API ou votre jeton ;',
      'tous les messages d\'erreur reçus, avec leur `code` ;',
      'l\'identifiant de corrélation de la réponse (`correlationId` dans le corps, en-tête `X-Correlation-ID`) ;',
      'ce que vous souhaitez réaliser et ce que vous avez déjà essayé.',
    ],
    languageName: 'Français',
  },
  de: {
    title: 'Fehlerreferenz',
    intro: [
      'Beim Aufruf der API können Fehler auftreten. Diese Seite erklärt jeden Fehler, den die API zurückgeben kann, was er bedeutet und wie er sich beheben lässt.',
      'Jede Fehlerantwort enthält einen stabilen `code`, den HTTP-Status und eine Korrelations-ID (im Body und im Header `X-Correlation-ID`), mit der der Support die Anfrage wiederfindet. Wenn Sie das Problem nicht lösen können, folgen Sie dem letzten Abschnitt, damit der Support Ihnen schnell helfen kann.',
    ],
    tableHeaders: ['Code', 'Status', 'Zuständig', 'wiederholbar'],
    yes: 'ja',
    no: 'nein',
    upstreamStatus: '(oder der des Dienstes)',
    offline: 'CLI / Start',
    owners: {
      client: 'der Aufrufer',
      gateway: 'das Gateway',
      config: 'der Betreiber (Konfiguration)',
      upstream: 'der Dienst hinter dem Gateway',
      capacity: 'die Kapazität (Limits und Kontingente)',
    },
    whoActs: (owner, retryable) => `Wer handeln muss: ${owner}. Ein späterer neuer Versuch ${retryable ? 'kann helfen' : 'hilft nicht'}.`,
    meaning: 'Bedeutung der Fehlermeldung',
    troubleshooting: 'Schritte zur Fehlerbehebung',
    example: 'Beispiel für das Detail',
    supportTitle: 'Kontakt zum Support',
    supportIntro: 'Wenn die obigen Schritte das Problem nicht lösen, wenden Sie sich an den API-Anbieter und geben Sie immer Folgendes an:',
    supportItems: [
      'die vollständige Anfrage: Methode, URL, Header und Body, ohne Ihren API-Schlüssel oder Ihr Token;',
      'alle erhaltenen Fehlermeldungen mit ihrem `code`;',
      'die Korrelations-ID der Antwort (`correlationId` im Body, Header `X-Correlation-ID`);',
      'was Sie erreichen möchten und was Sie bereits versucht haben.',
    ],
    languageName: 'Deutsch',
  },
  ru: {
    title: 'Справочник ошибок',
    intro: [
      'При вызовах API могут возникать ошибки. На этой странице описана каждая ошибка, которую может вернуть API, её значение и способ устранения.',
      'Каждый ответ с ошибкой содержит постоянный `code`, HTTP-статус и идентификатор корреляции (в теле и в заголовке `X-Correlation-ID`), по которому поддержка находит запрос. Если вам не удаётся решить проблему, следуйте рекомендациям последнего раздела, чтобы поддержка могла помочь вам быстро.',
    ],
    tableHeaders: ['код', 'статус', 'ответственный', 'можно повторить'],
    yes: 'да',
    no: 'нет',
    upstreamStatus: '(или статус сервиса)',
    offline: 'CLI / запуск',
    owners: {
      client: 'вызывающая сторона',
      gateway: 'шлюз',
      config: 'оператор (конфигурация)',
      upstream: 'сервис за шлюзом',
      capacity: 'ёмкость (лимиты и квоты)',
    },
    whoActs: (owner, retryable) => `Кто должен действовать: ${owner}. Повтор позже ${retryable ? 'может помочь' : 'не поможет'}.`,
    meaning: 'Значение сообщения об ошибке',
    troubleshooting: 'Шаги по устранению неполадок',
    example: 'Пример описания',
    supportTitle: 'Инструкции по обращению в поддержку',
    supportIntro: 'Если описанные выше шаги не помогли, обратитесь к поставщику API и всегда указывайте:',
    supportItems: [
      'полный запрос: метод, URL, заголовки и тело, без вашего ключа API или токена;',
      'все полученные сообщения об ошибках с их `code`;',
      'идентификатор корреляции ответа (`correlationId` в теле, заголовок `X-Correlation-ID`);',
      'чего вы хотите добиться и что уже пробовали.',
    ],
    languageName: 'Русский',
  },
};

/** Page words for any language: a shipped one, else English (texts of added languages come from config). */
export function referenceTextsFor(language: string): ReferenceTexts {
  return language in referenceTexts ? referenceTexts[language as keyof typeof referenceTexts] : referenceTexts.en;
}
