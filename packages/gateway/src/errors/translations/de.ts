import type { ErrorCode, ErrorTexts } from '../catalog.js';

/** German texts of the catalog. Header names, codes and commands stay as they are. */
export const de: Readonly<Record<ErrorCode, ErrorTexts>> = {
  not_found: {
    title: 'Nicht gefunden',
    detail: 'Keine Route passt zu {method} {path}.',
    meaning: 'Die URL entspricht keiner Route, die diese API anbietet.',
    troubleshooting: [
      'Prüfen Sie den Pfad auf Tippfehler, ein fehlendes Versionspräfix oder eine falsche Ressourcen-ID.',
      'Vergleichen Sie die URL mit der API-Referenz; bei Pfaden wird zwischen Groß- und Kleinschreibung unterschieden.',
    ],
  },
  method_not_allowed: {
    title: 'Methode nicht erlaubt',
    detail: '{method} ist auf {path} nicht erlaubt. Erlaubt: {allowed}.',
    meaning: 'Der Pfad existiert, aber nicht mit der verwendeten HTTP-Methode.',
    troubleshooting: [
      'Verwenden Sie eine der Methoden aus dem Antwort-Header Allow.',
      'Prüfen Sie, ob die gewünschte Operation unter einem anderen Pfad liegt (zum Beispiel an einer Sammlung statt an einem Element).',
    ],
  },
  bad_request: {
    title: 'Ungültige Anfrage',
    detail: 'Die Anfrage konnte nicht gelesen werden: {reason}.',
    meaning: 'Die Anfrage ist kein wohlgeformtes HTTP, oder ihre URL lässt sich nicht dekodieren.',
    troubleshooting: [
      'Prüfen Sie, dass Header-Namen und -Werte nur gültige Zeichen enthalten und die URL korrekt prozentkodiert ist.',
      'Wenn Sie Anfragen von Hand zusammensetzen, verwenden Sie besser eine HTTP-Bibliothek, die das Kodieren übernimmt.',
    ],
  },
  invalid_json: {
    title: 'Ungültiges JSON',
    detail: 'Der Body ist kein gültiges JSON: {reason} (Zeile {line}, Spalte {column}).',
    meaning: 'Der Body der Anfrage konnte nicht als JSON gelesen werden; nichts davon wurde verarbeitet.',
    troubleshooting: [
      'Sehen Sie sich Zeile und Spalte aus dem Detail an: Meist fehlt ein Komma, ein Anführungszeichen oder eine Klammer.',
      'Erzeugen Sie den Body mit einer JSON-Bibliothek statt durch Zusammenfügen von Zeichenketten, und senden Sie ihn als UTF-8.',
    ],
  },
  unsupported_media_type: {
    title: 'Nicht unterstützter Medientyp',
    detail: 'Dieser Endpunkt akzeptiert {expected}; die Anfrage wurde als {received} gesendet.',
    meaning: 'Der Content-Type der Anfrage ist keiner, den dieser Endpunkt lesen kann.',
    troubleshooting: ['Senden Sie den Body als JSON mit dem Header `Content-Type: application/json`.'],
  },
  validation_failed: {
    title: 'Validierung fehlgeschlagen',
    detail: 'Die Anfrage hat {count} Problem(e); jedes ist in errors aufgeführt.',
    meaning:
      'Die Anfrage ist wohlgeformt, verstößt aber gegen Regeln dieses Endpunkts. Es wurde nichts ausgeführt: Alle Probleme werden auf einmal aufgeführt, jeweils mit dem betroffenen Element und der Regel, die es erkannt hat.',
    troubleshooting: [
      'Beheben Sie jedes in errors aufgeführte Element (jedes nennt den JSON-Pointer des Elements und die Regel) und senden Sie die Anfrage erneut.',
      'Etwaige Warnungen hätten die Anfrage allein nicht aufgehalten.',
    ],
  },
  payload_too_large: {
    title: 'Anfrage-Body zu groß',
    detail: 'Der Body der Anfrage ist größer als die {limitBytes} Bytes, die diese Route akzeptiert.',
    meaning: 'Der Body der Anfrage überschreitet die für diese Route festgelegte Größe.',
    troubleshooting: [
      'Senden Sie einen kleineren Body, zum Beispiel indem Sie einen Stapel auf mehrere Anfragen aufteilen.',
      'Wenn Sie größere Daten senden müssen, fragen Sie den API-Anbieter nach dem Limit dieses Endpunkts.',
    ],
  },
  header_fields_too_large: {
    title: 'Anfrage-Header zu groß',
    detail: 'Die Header der Anfrage sind größer als die {limitBytes} Bytes, die dieser Server akzeptiert.',
    meaning: 'Anfragezeile und Header zusammen überschreiten die festgelegte Größe.',
    troubleshooting: [
      'Entfernen Sie nicht benötigte Header, etwa große Cookies.',
      'Prüfen Sie, ob ein Token oder Schlüssel mehrfach in einen Header eingefügt wurde.',
    ],
  },
  request_timeout: {
    title: 'Zeitüberschreitung der Anfrage',
    detail: 'Die Anfrage ist nicht innerhalb von {timeoutMs} ms vollständig eingegangen.',
    meaning: 'Der Client hat zu lange gebraucht, um Header oder Body der Anfrage zu senden; der Server hat die Verbindung geschlossen.',
    troubleshooting: [
      'Prüfen Sie das Netzwerk zwischen Ihrem Client und der API.',
      'Stellen Sie sicher, dass Ihr Client den gesamten in Content-Length angekündigten Body sendet.',
      'Senden Sie die Anfrage erneut.',
    ],
  },
  invalid_request_target: {
    title: 'Ungültiges Anfrageziel',
    detail: 'Das Anfrageziel ist kein Pfad, den dieses Gateway weiterleitet.',
    meaning:
      'Der Pfad enthält einen kodierten Schrägstrich (%2F), einen Backslash (roh oder %5C), ein NUL-Byte (%00), ein Steuerzeichen, eine fehlerhafte Prozent-Kodierung oder ein `.`- oder `..`-Segment (auch kodiert), oder das Ziel ist gar kein Pfad (`*`, ein anderes Schema). Ein Dienst hinter dem Gateway könnte darin einen anderen Pfad lesen als den, den das Gateway geroutet hat; deshalb wird nichts davon weitergeleitet.',
    troubleshooting: [
      'Senden Sie den Pfad in Ursprungsform (`/v1/items/42`), mit aufgelösten Punkt-Segmenten und jedem reservierten Zeichen genau einmal prozentkodiert.',
      'Enthält ein Wert im Pfad einen Schrägstrich, senden Sie ihn im Query-String oder im Body.',
    ],
  },
  expectation_failed: {
    title: 'Erwartung nicht erfüllbar',
    detail: 'Der Header Expect verlangt etwas, das dieses Gateway nicht kann; unterstützt wird nur 100-continue.',
    meaning: 'Die Anfrage trägt einen `Expect`-Header mit einem anderen Wert als `100-continue`; das Gateway kann ihn nicht erfüllen und hat die Anfrage nicht verarbeitet.',
    troubleshooting: ['Entfernen Sie den Header Expect oder senden Sie `Expect: 100-continue`.'],
  },
  connect_not_supported: {
    title: 'CONNECT nicht unterstützt',
    detail: 'Dieses Gateway öffnet keine Tunnel: CONNECT wird nicht bedient.',
    meaning: 'Eine CONNECT-Anfrage verlangt, dass der Server als Forward-Proxy einen Tunnel zu einem anderen Host öffnet. Dieses Gateway bedient nur seine eigene API.',
    troubleshooting: [
      'Senden Sie die Anfrage direkt an die URL der API, ohne dieses Gateway als HTTP-Proxy einzutragen.',
      'Prüfen Sie die Proxy-Einstellungen (HTTP_PROXY, HTTPS_PROXY) des Clients oder seiner Umgebung.',
    ],
  },
  authentication_required: {
    title: 'Authentifizierung erforderlich',
    detail: 'Diese Anfrage braucht einen API-Schlüssel. Senden Sie ihn als {expected}.',
    meaning: 'Der API-Schlüssel oder das Zugriffstoken fehlte in der Anfrage.',
    troubleshooting: [
      'Suchen Sie den passenden Schlüssel für diese API und fügen Sie ihn der Anfrage als Autorisierungs-Header in der im Detail genannten Form hinzu.',
      'Prüfen Sie, dass kein Proxy und keine HTTP-Bibliothek zwischen Ihnen und der API den Authorization-Header entfernt.',
    ],
  },
  credentials_malformed: {
    title: 'Fehlerhafte Anmeldedaten',
    detail: 'Der API-Schlüssel wurde nicht in der erwarteten Form gesendet: {hint}. Erwartet: {expected}.',
    meaning: 'Ein Schlüssel oder Token wurde gesendet, aber nicht in der Form, die die API erwartet; er wurde daher nicht geprüft.',
    troubleshooting: [
      'Lesen Sie den Hinweis im Detail: Er sagt genau, was nicht stimmt (Schema, Anführungszeichen, Leerzeichen, ein abgeschnittener oder falsch abgetippter Schlüssel).',
      'Kopieren Sie den Schlüssel erneut von der Stelle, an der er Ihnen angezeigt wurde, ohne Anführungszeichen oder Zeilenumbrüche, und senden Sie ihn wie im Detail angegeben.',
    ],
  },
  invalid_token: {
    title: 'Ungültiges Authentifizierungstoken',
    detail: 'Der API-Schlüssel ist ungültig.',
    meaning: 'Der Schlüssel hat die richtige Form, passt aber zu keinem Schlüssel dieser API (unauthorized, invalid authentication token).',
    troubleshooting: [
      'Stellen Sie sicher, dass Sie den Schlüssel verwenden, der Ihnen bei der Erstellung angezeigt wurde; Schlüssel werden nur einmal angezeigt.',
      'Wurde der Schlüssel gelöscht, erstellen Sie einen neuen.',
    ],
  },
  key_expired: {
    title: 'Schlüssel abgelaufen',
    detail: 'Dieser API-Schlüssel ist am {expiredAt} abgelaufen.',
    meaning: 'Der Schlüssel hatte ein Ablaufdatum, und dieses ist überschritten.',
    troubleshooting: ['Erstellen Sie einen neuen Schlüssel oder bitten Sie den Kontoinhaber um einen.', 'Planen Sie die Erneuerung von Schlüsseln vor ihrem Ablaufdatum.'],
  },
  access_token_expired: {
    title: 'Zugriffstoken abgelaufen',
    detail: 'Dieses Zugriffstoken ist am {expiredAt} abgelaufen; tauschen Sie Ihren API-Schlüssel gegen ein neues ein.',
    meaning: 'Zugriffstoken sind kurzlebig: Man erhält sie mit einem API-Schlüssel, und nach einer festgelegten Zeit funktionieren sie nicht mehr.',
    troubleshooting: [
      'Fordern Sie mit Ihrem API-Schlüssel ein neues Zugriffstoken an und versuchen Sie es damit erneut.',
      'Erneuern Sie Token kurz vor ihrem Ablauf (die Antwort des Tauschs nennt den Zeitpunkt).',
    ],
  },
  wrong_instance: {
    title: 'Schlüssel einer anderen Instanz',
    detail: 'Dieser API-Schlüssel gehört zur Instanz {instance}; senden Sie Ihre Anfragen an {url}.',
    meaning: 'Jedes Konto liegt auf einer Instanz mit eigener Adresse. Der Schlüssel ist dort gültig, nicht hier.',
    troubleshooting: [
      'Senden Sie die Anfrage an die im Detail genannte Adresse.',
      'Prüfen Sie die in Ihrem Client eingestellte Basis-URL: Es muss die der Instanz Ihres Kontos sein.',
    ],
  },
  key_revoked: {
    title: 'Schlüssel widerrufen',
    detail: 'Dieser API-Schlüssel wurde am {revokedAt} widerrufen.',
    meaning: 'Der Schlüssel war einmal gültig, wurde aber widerrufen und kann nicht mehr verwendet werden.',
    troubleshooting: ['Verwenden Sie einen anderen Schlüssel des Kontos oder erstellen Sie einen neuen.', 'Falls Sie ihn nicht selbst widerrufen haben, fragen Sie den Kontoinhaber nach dem Grund.'],
  },
  key_obsolete: {
    title: 'Veralteter Schlüssel',
    detail: 'Dieser API-Schlüssel wurde am {rotatedAt} ersetzt, und seine Übergangsfrist ist vorbei.',
    meaning: 'Der Schlüssel wurde rotiert: Ein neuer Schlüssel hat ihn ersetzt, und der alte funktionierte nur noch während einer Übergangsfrist.',
    troubleshooting: [
      'Verwenden Sie den neuen Schlüssel aus der Rotation.',
      'Aktualisieren Sie jede Stelle, an der der alte Schlüssel gespeichert ist (CI-Secrets, Server, Skripte).',
    ],
  },
  key_not_bound: {
    title: 'Schlüssel nicht an diese Ressource gebunden',
    detail: 'Dieser API-Schlüssel ist nicht an die Ressource „{value}“ ({param}) gebunden.',
    meaning: 'Der Schlüssel darf nur für bestimmte Ressourcen verwendet werden, und die Ressource in der URL gehört nicht dazu.',
    troubleshooting: [
      'Verwenden Sie den Schlüssel, der für diese Ressource erstellt wurde.',
      'Prüfen Sie die Kennung in der URL: Sie gehört vielleicht zu einer anderen Base, Firma oder einem anderen Workspace.',
    ],
  },
  access_denied: {
    title: 'Zugriff verweigert',
    detail: 'Diesem API-Schlüssel fehlt die Berechtigung {scope}.',
    meaning: 'Der Schlüssel ist gültig, hat aber nicht die Berechtigung, die dieser Endpunkt verlangt.',
    troubleshooting: [
      'Prüfen Sie die Berechtigungen des Schlüssels in den Kontoeinstellungen und fügen Sie die im Detail genannte hinzu.',
      'Oder verwenden Sie einen Schlüssel, der sie bereits hat.',
    ],
  },
  account_disabled: {
    title: 'Konto deaktiviert',
    detail: 'Das Konto dieses API-Schlüssels ist deaktiviert.',
    meaning: 'Das Konto wurde vom Anbieter deaktiviert; keiner seiner Schlüssel funktioniert.',
    troubleshooting: ['Wenden Sie sich an den API-Anbieter, um zu erfahren, warum das Konto deaktiviert wurde und wie es wieder aktiviert werden kann.'],
  },
  plan_excludes_route: {
    title: 'Nicht in Ihrem Tarif enthalten',
    detail: 'Der Tarif {plan} enthält diesen Endpunkt nicht.',
    meaning: 'Der Tarif des Kontos gewährt keinen Zugang zu diesem Teil der API.',
    troubleshooting: ['Verwenden Sie nur die Endpunkte Ihres Tarifs, oder wechseln Sie das Konto in einen Tarif, der diesen enthält.'],
  },
  trial_expired: {
    title: 'Zahlung erforderlich',
    detail: 'Konto abgelaufen: Die {trialDays}-tägige Testphase des Tarifs {plan} endete am {endedAt}.',
    meaning: 'Das Konto nutzt einen Testtarif, der abgelaufen ist; jede Anfrage wird abgelehnt, bis das Konto hochgestuft wird.',
    troubleshooting: ['Wenden Sie sich an den API-Anbieter, um das Konto in einen kostenpflichtigen Tarif zu wechseln.'],
  },
  feature_not_in_plan: {
    title: 'Funktion nicht im Tarif',
    detail: 'Der Tarif {plan} enthält {feature} nicht.',
    meaning: 'Die Anfrage nutzt eine Funktion, die der Tarif des Kontos nicht enthält.',
    troubleshooting: ['Senden Sie die Anfrage ohne diese Funktion, oder wechseln Sie das Konto in einen Tarif, der sie enthält.'],
  },
  entity_limit_reached: {
    title: 'Objektlimit überschritten',
    detail: 'Der Tarif {plan} erlaubt {limit} {entity}, und {usage} sind in Gebrauch.',
    meaning: 'Ein weiteres Objekt würde die Anzahl überschreiten, die der Tarif des Kontos erlaubt.',
    troubleshooting: ['Löschen Sie die Objekte, die Sie nicht mehr brauchen, und senden Sie die Anfrage erneut.', 'Oder wechseln Sie das Konto in einen Tarif mit höherem Limit.'],
  },
  key_limit_reached: {
    title: 'Schlüssellimit erreicht',
    detail: 'Ein Konto kann höchstens {limit} aktive API-Schlüssel haben.',
    meaning: 'Die Anfrage würde die Anzahl an API-Schlüsseln überschreiten, die ein Konto haben darf.',
    troubleshooting: ['Widerrufen Sie Schlüssel, die Sie nicht mehr verwenden, und erstellen Sie dann den neuen.'],
  },
  key_rotation_refused: {
    title: 'Schlüsselrotation abgelehnt',
    detail: 'Der aufrufende Schlüssel darf den Schlüssel {keyId} nicht rotieren.',
    meaning:
      'Ein Schlüsselinhaber rotiert nur Schlüssel, die spätestens mit dem aufrufenden Schlüssel aufhören zu funktionieren, und ein Schlüssel, der selbst gerade ersetzt wird, rotiert keinen: Das neue Geheimnis darf den Schlüssel, der es verlangt hat, nicht überdauern.',
    troubleshooting: ['Rotieren Sie den Schlüssel mit sich selbst oder mit einem Schlüssel, der mindestens so lange gilt.', 'Ein Betreiber kann jeden Schlüssel rotieren (`portier keys rotate ID`).'],
  },
  error_record_not_found: {
    title: 'Fehler nicht gefunden',
    detail: 'Kein aktueller Fehler dieses Kontos hat die Korrelations-ID {correlationId}.',
    meaning: 'Das Portal bewahrt die letzten Fehlerantworten jedes Kontos auf; diese Korrelations-ID gehört nicht zu denen des Aufrufers.',
    troubleshooting: ['Prüfen Sie die Korrelations-ID im Header oder im Body der Fehlerantwort.', 'Ältere Fehler werden nicht mehr aufbewahrt: Senden Sie die Korrelations-ID so, wie sie ist, an den Support.'],
  },
  idempotency_key_required: {
    title: 'Idempotenzschlüssel erforderlich',
    detail: '{method} {path} braucht einen Idempotency-Key-Header.',
    meaning:
      'Diese Operation ändert Daten, und die API nimmt sie nur mit einem Idempotency-Key an, damit eine Wiederholung derselben Anfrage sie niemals zweimal ausführen kann.',
    troubleshooting: [
      'Erzeugen Sie für jede logische Operation einen eindeutigen Wert (eine UUID) und senden Sie ihn als `Idempotency-Key: "<Wert>"`.',
      'Senden Sie denselben Wert erneut, wenn Sie diese Operation wiederholen; verwenden Sie für eine neue Operation einen neuen.',
    ],
  },
  idempotency_key_invalid: {
    title: 'Ungültiger Idempotenzschlüssel',
    detail: 'Der Idempotency-Key-Header ist nicht verwendbar: {reason}.',
    meaning: 'Der Idempotency-Key-Header ist vorhanden, aber sein Wert taugt nicht, um eine Wiederholung zu erkennen.',
    troubleshooting: [
      'Senden Sie einen einzigen druckbaren ASCII-Wert mit 1 bis 255 Zeichen, in Anführungszeichen (`"…"`) oder ohne, etwa eine UUID.',
      'Senden Sie den Header nur einmal pro Anfrage.',
    ],
  },
  idempotency_key_mismatch: {
    title: 'Idempotenzschlüssel wiederverwendet',
    detail: 'Der Idempotency-Key „{key}“ wurde bereits mit einer anderen Anfrage verwendet.',
    meaning:
      'Eine Anfrage mit diesem Schlüssel ist bereits mit anderem Body, anderer Methode oder anderer URL eingegangen. Ein Schlüssel steht für genau eine Operation; die neue Anfrage wurde daher nicht verarbeitet.',
    troubleshooting: [
      'Wenn Sie wiederholen, senden Sie genau dieselbe Anfrage wie beim ersten Mal.',
      'Handelt es sich um eine neue Operation, erzeugen Sie dafür einen neuen Idempotency-Key.',
    ],
  },
  idempotency_request_in_flight: {
    title: 'Anfrage wird bereits bearbeitet',
    detail: 'Eine Anfrage mit dem Idempotency-Key „{key}“ wird noch bearbeitet.',
    meaning: 'Die erste Anfrage mit diesem Schlüssel ist noch nicht abgeschlossen; es gibt noch kein Ergebnis, und sie darf nicht zweimal ausgeführt werden.',
    troubleshooting: [
      'Warten Sie die im Header Retry-After genannte Anzahl Sekunden und wiederholen Sie dann mit demselben Schlüssel: Sie erhalten das Ergebnis der ersten Anfrage.',
      'Senden Sie dieselbe Operation nicht parallel.',
    ],
  },
  operation_not_found: {
    title: 'Vorgang nicht gefunden',
    detail: 'Es gibt keinen Vorgang {operationId}.',
    meaning: 'Der Vorgang existiert nicht, ist abgelaufen oder wurde mit einem anderen Konto erstellt.',
    troubleshooting: [
      'Verwenden Sie die Kennung (oder den Location-Header) aus der 202-Antwort, mit der der Vorgang angelegt wurde.',
      'Prüfen Sie, dass Sie einen Schlüssel des Kontos verwenden, das ihn angelegt hat.',
    ],
  },
  resource_not_ready: {
    title: 'Ressource noch nicht bereit',
    detail: 'Vorgang {operationId} ist noch im Status {status}; sein Ergebnis liegt noch nicht vor.',
    meaning: 'Die Ressource ist nicht bereit: Der asynchrone Vorgang, der sie erzeugt, ist noch nicht abgeschlossen.',
    troubleshooting: [
      'Fragen Sie den Vorgang ab, bis sein Status nicht mehr Pending ist, und warten Sie zwischen zwei Abfragen die im Header Retry-After genannte Anzahl Sekunden.',
      'Fordern Sie dann das Ergebnis erneut an.',
    ],
  },
  account_not_found: {
    title: 'Konto nicht gefunden',
    detail: 'Es gibt kein Konto {accountId}.',
    meaning: 'Das in einer Verwaltungsanfrage genannte Konto existiert nicht.',
    troubleshooting: ['Listen Sie die Konten auf (`portier accounts list`) und verwenden Sie eine ihrer IDs.'],
  },
  key_not_found: {
    title: 'Schlüssel nicht gefunden',
    detail: 'Es gibt keinen API-Schlüssel {keyId}.',
    meaning: 'Der in einer Verwaltungsanfrage genannte Schlüssel existiert nicht.',
    troubleshooting: ['Listen Sie die Schlüssel des Kontos auf (`portier keys list --account ID`) und verwenden Sie eine ihrer IDs.'],
  },
  plan_not_found: {
    title: 'Unbekannter Tarif',
    detail: 'In der Konfiguration gibt es keinen Tarif {plan}.',
    meaning: 'Konten müssen in einem Tarif sein, der unter `plans` in portier.yaml deklariert ist.',
    troubleshooting: ['Verwenden Sie einen der in der Konfiguration deklarierten Tarife, oder deklarieren Sie diesen.'],
  },
  rate_limited: {
    title: 'Zu viele Anfragen',
    detail: 'Das Limit von {limit} Anfragen pro {window} („{name}“) ist ausgeschöpft; es wird in {retryAfter} s wieder frei.',
    meaning:
      'In einem bestimmten Zeitraum wurden zu viele Anfragen gestellt. Die API erlaubt eine feste Anzahl an Anfragen pro Zeitfenster (zum Beispiel 300 pro Minute und 5.000 pro Tag und Base); Sie müssen warten, bis sie wieder Anfragen annimmt.',
    troubleshooting: [
      'Warten Sie die im Header Retry-After genannte Anzahl Sekunden und versuchen Sie es dann erneut.',
      'Optimieren Sie Ihren Code oder verteilen Sie Ihre Anfragen zeitlich, um unter dem Limit zu bleiben: Die RateLimit-Header jeder Antwort zeigen, wie viel noch übrig ist.',
      'Wenn Sie ein höheres Limit brauchen, fragen Sie den API-Anbieter nach Tarifen, die eines enthalten.',
    ],
  },
  rate_limiter_unavailable: {
    title: 'Ratenbegrenzung nicht verfügbar',
    detail: 'Die Anfrage konnte gerade nicht gegen ihre Ratenlimits geprüft werden.',
    meaning:
      'Der Speicher der Zähler für Ratenlimits ist nicht erreichbar oder zu langsam, und dieses Limit ist so eingestellt, dass es Anfragen lieber ablehnt, als sie ungeprüft durchzulassen. Die Anfrage wurde nicht verarbeitet.',
    troubleshooting: [
      'Warten Sie die im Header Retry-After genannte Anzahl Sekunden und wiederholen Sie dann mit exponentiellem Backoff.',
      'Wenn es anhält, wenden Sie sich mit der Korrelations-ID an den Support.',
    ],
  },
  account_store_unavailable: {
    title: 'Kontospeicher nicht erreichbar',
    detail: 'Der API-Schlüssel konnte gerade nicht geprüft werden.',
    meaning:
      'Der gemeinsame Speicher der Konten und Schlüssel ist nicht erreichbar, daher konnte der Schlüssel (oder das Tariflimit, das die Anfrage braucht) nicht geprüft werden. Die Anfrage wurde nicht verarbeitet.',
    troubleshooting: [
      'Warten Sie die im Header Retry-After genannte Anzahl Sekunden und wiederholen Sie dann mit exponentiellem Backoff.',
      'Wenn es anhält, wenden Sie sich mit der Korrelations-ID an den Support.',
    ],
  },
  account_store_busy: {
    title: 'Zu viele Schlüsselprüfungen',
    detail: 'Der API-Schlüssel konnte gerade nicht geprüft werden: Es werden zu viele Schlüssel gleichzeitig nachgeschlagen.',
    meaning:
      'Der Schlüssel ist nicht im Cache des Gateways, und das Gateway führt bereits so viele Abfragen nicht zwischengespeicherter Schlüssel aus, wie es zulässt, damit unbekannte Schlüssel den Kontospeicher nicht überlasten können. Die Anfrage wurde nicht verarbeitet.',
    troubleshooting: [
      'Warten Sie die im Header Retry-After genannte Anzahl Sekunden und wiederholen Sie dann mit exponentiellem Backoff.',
      'Wenn es anhält, wenden Sie sich mit der Korrelations-ID an den Support.',
    ],
  },
  operation_timed_out: {
    title: 'Zeitüberschreitung des Vorgangs',
    detail: 'Vorgang {operationId} wurde nicht innerhalb seiner Frist von {deadline} abgeschlossen.',
    meaning:
      'Der asynchrone Vorgang wurde bis zu seiner Frist versucht, und der Dienst hinter der API hat nie eine endgültige Antwort gegeben (er schlug fehl, überschritt seine Zeit oder bat, es später erneut zu versuchen).',
    troubleshooting: [
      'Prüfen Sie, ob die Änderung übernommen wurde, bevor Sie sie erneut einreichen: Der Dienst hat die Arbeit vielleicht erledigt, ohne zu antworten.',
      'Wenn Sie sie erneut einreichen, ist das ein neuer Vorgang; wenden Sie sich mit der Korrelations-ID an den Support, falls die Zeit weiterhin überschritten wird.',
    ],
  },
  operation_queue_full: {
    title: 'Zu viele wartende Vorgänge',
    detail: 'Die Warteschlange der asynchronen Vorgänge ist voll ({limit} wartend).',
    meaning: 'Die API nimmt asynchrone Arbeit bis zu einer festen Anzahl wartender Vorgänge an, und diese Anzahl ist erreicht. Die Anfrage wurde nicht angenommen.',
    troubleshooting: [
      'Warten Sie die im Header Retry-After genannte Anzahl Sekunden und versuchen Sie es dann erneut.',
      'Warten Sie, bis Ihre wartenden Vorgänge abgeschlossen sind, bevor Sie neue starten.',
    ],
  },
  maintenance: {
    title: 'Wartungsarbeiten',
    detail: '{message}',
    meaning: 'Der Betreiber hat diese API oder diesen Teil davon für Wartungsarbeiten vom Netz genommen.',
    troubleshooting: [
      'Warten Sie die im Header Retry-After genannte Anzahl Sekunden und versuchen Sie es dann erneut.',
      'Auf der Statusseite des Anbieters steht, wann die Wartung endet.',
    ],
  },
  service_unavailable: {
    title: 'Dienst nicht verfügbar',
    detail: 'Der Dienst {service} ist vorübergehend nicht verfügbar.',
    meaning:
      'Die Anfrage hat das Gateway erreicht, aber der Dienst dahinter kann sie gerade nicht bearbeiten: Er hat Überlastung oder einen Ausfall gemeldet, oder er ist so oft fehlgeschlagen, dass das Gateway ihm eine Weile keinen Verkehr mehr schickt.',
    troubleshooting: [
      'Warten Sie die im Header Retry-After genannte Anzahl Sekunden und wiederholen Sie dann mit exponentiellem Backoff.',
      'Anfragen, die mit diesem Fehler scheiterten, wurden nicht verarbeitet; wiederholen Sie sie selbst, nichts wird für Sie nachgeholt.',
    ],
  },
  bad_gateway: {
    title: 'Fehlerhaftes Gateway',
    detail: 'Der Dienst {service} war nicht erreichbar oder hat die Verbindung abgebrochen.',
    meaning: 'Das Gateway hat vom Dienst dahinter keine gültige Antwort erhalten: Die Verbindung wurde abgelehnt oder zurückgesetzt.',
    troubleshooting: ['Wiederholen Sie die Anfrage mit exponentiellem Backoff.', 'Wenn der Fehler bleibt, wenden Sie sich mit der Korrelations-ID an den Support.'],
  },
  gateway_timeout: {
    title: 'Zeitüberschreitung am Gateway',
    detail: 'Der Dienst {service} hat nicht innerhalb von {timeoutMs} ms geantwortet.',
    meaning: 'Das Gateway hat vom Dienst dahinter nicht rechtzeitig eine Antwort erhalten.',
    troubleshooting: [
      'Wiederholen Sie die Anfrage mit exponentiellem Backoff; senden Sie bei Schreibvorgängen einen Idempotency-Key, damit eine Wiederholung nicht doppelt ausgeführt wird.',
      'Ist der Vorgang groß, teilen Sie ihn in kleinere Anfragen auf.',
    ],
  },
  upstream_circuit_open: {
    title: 'Dienst nach wiederholten Fehlern pausiert',
    detail: 'Der Dienst {service} ist mehrmals hintereinander fehlgeschlagen; das Gateway schickt ihm {retryAfterSeconds} s lang keine Anfragen.',
    meaning:
      'Der Dienst hinter dem Gateway ist mehrmals hintereinander fehlgeschlagen (abgelehnte oder abgebrochene Verbindungen, Zeitüberschreitungen, Antworten 502/503/504); deshalb hat das Gateway seinen Schutzschalter ausgelöst und antwortet eine Weile sofort, statt auf einen fehlerhaften Dienst zu warten. Danach geht eine Probeanfrage durch; gelingt sie, fließt der Verkehr wieder.',
    troubleshooting: [
      'Warten Sie die im Header Retry-After genannte Anzahl Sekunden und wiederholen Sie dann.',
      'Die Anfrage wurde nicht an den Dienst gesendet; eine Wiederholung kann sie nicht doppelt ausführen.',
      'Betrieb: Das Gateway-Log sagt, wann der Schutzschalter ausgelöst und wieder geschlossen wurde, und /metrics zeigt portier_circuit_state und portier_circuit_opens_total je Dienst.',
    ],
  },
  upstream_client_error: {
    title: 'Anfrage vom Dienst abgelehnt',
    detail: '{message}',
    fallbackDetail: 'Der Dienst hat die Anfrage ohne lesbare Meldung abgelehnt.',
    meaning: 'Der Dienst hinter dem Gateway hat die Anfrage abgelehnt. Der Status ist derjenige, mit dem der Dienst geantwortet hat.',
    troubleshooting: [
      'Lesen Sie das Detail: Es ist die Meldung des in `service` genannten Dienstes.',
      'Korrigieren Sie die Anfrage wie in der Meldung beschrieben; unverändert wiederholt schlägt sie erneut fehl.',
    ],
  },
  upstream_server_error: {
    title: 'Fehler des Dienstes',
    detail: '{message}',
    fallbackDetail: 'Der Dienst ist ohne lesbare Meldung fehlgeschlagen.',
    meaning: 'Der Dienst hinter dem Gateway ist beim Bearbeiten der Anfrage fehlgeschlagen. Der Status ist derjenige, mit dem der Dienst geantwortet hat.',
    troubleshooting: [
      'Wiederholen Sie die Anfrage mit exponentiellem Backoff.',
      'Wenn es weiter fehlschlägt, wenden Sie sich mit der Korrelations-ID und der vollständigen Anfrage (ohne Ihren Schlüssel) an den Support.',
    ],
  },
  internal_error: {
    title: 'Interner Fehler',
    detail: 'Das Gateway ist beim Bearbeiten dieser Anfrage unerwartet fehlgeschlagen.',
    meaning: 'Im Gateway selbst ist etwas schiefgegangen. Die Anfrage hat den Dienst dahinter möglicherweise nicht erreicht.',
    troubleshooting: [
      'Wiederholen Sie die Anfrage später.',
      'Wenn es weiter fehlschlägt, wenden Sie sich mit der Korrelations-ID an den Support: Damit findet er den vollständigen Fehler im Gateway-Log.',
    ],
  },
  not_ready: {
    title: 'Nicht bereit',
    detail: 'Das Gateway ist nicht bereit: {checks}.',
    meaning:
      'Die Bereitschaftsprüfung ist fehlgeschlagen: Das Gateway fährt herunter, oder ein Speicher, den seine Konfiguration nutzt (Konten, Redis für Ratenlimits oder Idempotenz, Warteschlange der Operationen), hat nicht rechtzeitig geantwortet. Das Gateway selbst läuft; ein Load Balancer sollte den Verkehr an eine andere Replik senden, bis es wieder bereit ist.',
    troubleshooting: [
      'Senden Sie die Anfrage an eine andere Replik oder wiederholen Sie sie nach der im Header Retry-After genannten Anzahl Sekunden.',
      'Betreiber: Das Detail nennt jede fehlgeschlagene Prüfung (`shutdown`, `accounts`, `rateLimits`, `idempotency`, `operations`); siehe docs/operations.md.',
    ],
  },
  config_invalid: {
    title: 'Ungültige Konfiguration',
    detail: 'Die Konfigurationsdatei {file} hat {count} Problem(e).',
    meaning: 'Das Gateway hat den Start verweigert, weil seine Konfigurationsdatei nicht dem Schema entspricht oder auf nicht Vorhandenes verweist.',
    troubleshooting: [
      'Führen Sie `portier config check DATEI` aus: Der Befehl listet jedes Problem mit Zeile und Schlüsselpfad auf.',
      'In docs/config.md stehen jedes Feld, sein Typ und sein Standardwert.',
    ],
  },
  listen_failed: {
    title: 'Lauschen nicht möglich',
    detail: 'Das Gateway kann nicht auf {address} lauschen: {reason}.',
    meaning: 'Das Gateway konnte seinen Port nicht öffnen und ist daher nicht gestartet.',
    troubleshooting: [
      'Ist der Port belegt, beenden Sie den anderen Prozess oder wählen Sie einen anderen Port (`server.port`, oder PORT für die Demo).',
      'Ports unter 1024 brauchen zusätzliche Rechte; verwenden Sie einen höheren Port hinter einem Load Balancer.',
    ],
  },
};
