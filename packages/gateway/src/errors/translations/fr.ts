import type { ErrorCode, ErrorTexts } from '../catalog.js';

/** French texts of the catalog. Header names, codes and commands stay as they are. */
export const fr: Readonly<Record<ErrorCode, ErrorTexts>> = {
  not_found: {
    title: 'Introuvable',
    detail: 'Aucune route ne correspond à {method} {path}.',
    meaning: 'L\'URL ne correspond à aucune route exposée par cette API.',
    troubleshooting: [
      'Vérifiez le chemin : faute de frappe, préfixe de version manquant ou identifiant de ressource erroné.',
      'Comparez l\'URL avec la référence de l\'API ; les chemins sont sensibles à la casse.',
    ],
  },
  method_not_allowed: {
    title: 'Méthode non autorisée',
    detail: '{method} n\'est pas autorisée sur {path}. Méthodes autorisées : {allowed}.',
    meaning: 'Le chemin existe, mais pas avec la méthode HTTP utilisée.',
    troubleshooting: [
      'Utilisez l\'une des méthodes indiquées dans l\'en-tête de réponse Allow.',
      'Vérifiez si l\'opération voulue se trouve sur un autre chemin (par exemple une collection plutôt qu\'un élément).',
    ],
  },
  bad_request: {
    title: 'Requête incorrecte',
    detail: 'La requête n\'a pas pu être lue : {reason}.',
    meaning: 'La requête n\'est pas du HTTP bien formé, ou son URL ne peut pas être décodée.',
    troubleshooting: [
      'Vérifiez que les noms et valeurs d\'en-têtes ne contiennent que des caractères valides et que l\'URL est correctement encodée (percent-encoding).',
      'Si vous construisez les requêtes à la main, préférez une bibliothèque HTTP qui les encode pour vous.',
    ],
  },
  invalid_json: {
    title: 'JSON invalide',
    detail: 'Le corps n\'est pas du JSON valide : {reason} (ligne {line}, colonne {column}).',
    meaning: 'Le corps de la requête n\'a pas pu être lu comme du JSON ; rien de son contenu n\'a été traité.',
    troubleshooting: [
      'Regardez la ligne et la colonne indiquées dans le détail : une virgule, un guillemet ou une accolade manquants en sont la cause habituelle.',
      'Construisez le corps avec une bibliothèque JSON plutôt qu\'en concaténant des chaînes, et envoyez-le en UTF-8.',
    ],
  },
  unsupported_media_type: {
    title: 'Type de média non pris en charge',
    detail: 'Ce point d\'accès accepte {expected} ; la requête a été envoyée en {received}.',
    meaning: 'Le Content-Type de la requête n\'est pas un type que ce point d\'accès sait lire.',
    troubleshooting: ['Envoyez le corps en JSON avec l\'en-tête `Content-Type: application/json`.'],
  },
  validation_failed: {
    title: 'Échec de la validation',
    detail: 'La requête comporte {count} problème(s) ; chacun est listé dans errors.',
    meaning:
      'La requête est bien formée mais enfreint des règles de ce point d\'accès. Rien n\'a été fait : tous les problèmes sont listés en une fois, avec l\'élément concerné et la règle qui l\'a détecté.',
    troubleshooting: [
      'Corrigez chaque élément listé dans errors (chacun indique le pointeur JSON de l\'élément et la règle), puis renvoyez la requête.',
      'Les avertissements éventuels n\'auraient pas, à eux seuls, bloqué la requête.',
    ],
  },
  payload_too_large: {
    title: 'Corps de requête trop volumineux',
    detail: 'Le corps de la requête dépasse les {limitBytes} octets acceptés par cette route.',
    meaning: 'Le corps de la requête dépasse la taille maximale configurée pour cette route.',
    troubleshooting: [
      'Envoyez un corps plus petit, par exemple en découpant un lot en plusieurs requêtes.',
      'Si vous devez envoyer des données plus volumineuses, interrogez le fournisseur de l\'API sur la limite de ce point d\'accès.',
    ],
  },
  header_fields_too_large: {
    title: 'En-têtes de requête trop volumineux',
    detail: 'Les en-têtes de la requête dépassent les {limitBytes} octets acceptés par ce serveur.',
    meaning: 'La ligne de requête et les en-têtes dépassent ensemble la taille maximale configurée.',
    troubleshooting: [
      'Supprimez les en-têtes inutiles, par exemple de gros cookies.',
      'Vérifiez qu\'un jeton ou une clé n\'a pas été collé plusieurs fois dans un en-tête.',
    ],
  },
  request_timeout: {
    title: 'Délai de requête dépassé',
    detail: 'La requête n\'a pas été reçue entièrement en {timeoutMs} ms.',
    meaning: 'Le client a mis trop de temps à envoyer les en-têtes ou le corps de la requête ; le serveur a fermé la connexion.',
    troubleshooting: [
      'Vérifiez le réseau entre votre client et l\'API.',
      'Assurez-vous que votre client envoie tout le corps annoncé dans Content-Length.',
      'Renvoyez la requête.',
    ],
  },
  invalid_request_target: {
    title: 'Cible de requête invalide',
    detail: 'La cible de la requête n\'est pas un chemin que cette passerelle transmet.',
    meaning:
      'Le chemin contient une barre oblique encodée (%2F), une barre oblique inverse (brute ou %5C), un octet NUL (%00), un caractère de contrôle, un échappement pour cent mal formé ou un segment `.` ou `..` (même encodé), ou la cible n\'est pas un chemin (`*`, un autre schéma). Un service derrière la passerelle pourrait y lire un autre chemin que celui que la passerelle a routé ; rien de tel n\'est transmis.',
    troubleshooting: [
      'Envoyez le chemin sous forme d\'origine (`/v1/items/42`), segments `.` et `..` résolus et chaque caractère réservé encodé une seule fois.',
      'Si une valeur du chemin contient une barre oblique, envoyez-la dans la chaîne de requête ou dans le corps.',
    ],
  },
  expectation_failed: {
    title: 'Attente non satisfaite',
    detail: 'L\'en-tête Expect demande une chose que cette passerelle ne fait pas ; seule la valeur 100-continue est prise en charge.',
    meaning: 'La requête porte un en-tête `Expect` dont la valeur n\'est pas `100-continue` : la passerelle ne peut pas y répondre et n\'a pas traité la requête.',
    troubleshooting: ['Retirez l\'en-tête Expect, ou envoyez `Expect: 100-continue`.'],
  },
  connect_not_supported: {
    title: 'CONNECT non pris en charge',
    detail: 'Cette passerelle n\'ouvre pas de tunnels : la méthode CONNECT n\'est pas servie.',
    meaning: 'Une requête CONNECT demande au serveur d\'agir comme mandataire et d\'ouvrir un tunnel vers un autre hôte. Cette passerelle ne sert que sa propre API.',
    troubleshooting: [
      'Envoyez la requête directement à l\'URL de l\'API, sans configurer cette passerelle comme mandataire HTTP.',
      'Vérifiez les réglages de mandataire (HTTP_PROXY, HTTPS_PROXY) du client ou de son environnement.',
    ],
  },
  authentication_required: {
    title: 'Authentification requise',
    detail: 'Cette requête nécessite une clé API. Envoyez-la sous la forme {expected}.',
    meaning: 'La clé API ou le jeton d\'accès était absent de la requête.',
    troubleshooting: [
      'Cherchez la bonne clé pour cette API et ajoutez-la à la requête dans un en-tête d\'autorisation, sous la forme indiquée dans le détail.',
      'Vérifiez qu\'aucun proxy ni aucune bibliothèque HTTP entre vous et l\'API ne supprime l\'en-tête Authorization.',
    ],
  },
  credentials_malformed: {
    title: 'Identifiants mal formés',
    detail: 'La clé API n\'a pas été envoyée sous la forme attendue : {hint}. Forme attendue : {expected}.',
    meaning: 'Une clé ou un jeton a été envoyé, mais pas sous la forme attendue par l\'API ; il n\'a donc pas été vérifié.',
    troubleshooting: [
      'Lisez l\'indication du détail : elle dit précisément ce qui ne va pas (schéma, guillemets, espaces, clé tronquée ou mal recopiée).',
      'Recopiez la clé depuis l\'endroit où elle vous a été montrée, sans guillemets ni retour à la ligne, et envoyez-la comme indiqué dans le détail.',
    ],
  },
  invalid_token: {
    title: 'Jeton d\'authentification invalide',
    detail: 'La clé API n\'est pas valide.',
    meaning: 'La clé a la bonne forme mais ne correspond à aucune clé de cette API (unauthorized, invalid authentication token).',
    troubleshooting: [
      'Assurez-vous d\'utiliser la clé qui vous a été présentée à sa création ; une clé n\'est affichée qu\'une fois.',
      'Si la clé a été supprimée, créez-en une nouvelle.',
    ],
  },
  key_expired: {
    title: 'Clé expirée',
    detail: 'Cette clé API a expiré le {expiredAt}.',
    meaning: 'La clé avait une date d\'expiration, et celle-ci est passée.',
    troubleshooting: ['Créez une nouvelle clé, ou demandez-en une au titulaire du compte.', 'Prévoyez le renouvellement des clés avant leur date d\'expiration.'],
  },
  access_token_expired: {
    title: 'Jeton d\'accès expiré',
    detail: 'Ce jeton d\'accès a expiré le {expiredAt} ; échangez votre clé API contre un nouveau jeton.',
    meaning: 'Les jetons d\'accès ont une courte durée de vie : ils s\'obtiennent avec une clé API et cessent de fonctionner au bout d\'un temps donné.',
    troubleshooting: [
      'Demandez un nouveau jeton d\'accès avec votre clé API, puis réessayez avec celui-ci.',
      'Renouvelez les jetons un peu avant leur expiration (la réponse de l\'échange indique quand).',
    ],
  },
  wrong_instance: {
    title: 'Clé d\'une autre instance',
    detail: 'Cette clé API appartient à l\'instance {instance} ; envoyez vos requêtes à {url}.',
    meaning: 'Chaque compte réside sur une instance qui a sa propre adresse. La clé est valide là-bas, pas ici.',
    troubleshooting: [
      'Envoyez la requête à l\'adresse indiquée dans le détail.',
      'Vérifiez l\'URL de base configurée dans votre client : ce doit être celle de l\'instance de votre compte.',
    ],
  },
  key_revoked: {
    title: 'Clé révoquée',
    detail: 'Cette clé API a été révoquée le {revokedAt}.',
    meaning: 'La clé a été valide, mais elle a été révoquée et ne peut plus être utilisée.',
    troubleshooting: ['Utilisez une autre clé du compte, ou créez-en une nouvelle.', 'Si vous ne l\'avez pas révoquée vous-même, demandez la raison au titulaire du compte.'],
  },
  key_obsolete: {
    title: 'Clé obsolète',
    detail: 'Cette clé API a été remplacée le {rotatedAt} et sa période de grâce est terminée.',
    meaning: 'La clé a fait l\'objet d\'une rotation : une nouvelle clé l\'a remplacée, et l\'ancienne ne fonctionnait plus que pendant une période de grâce.',
    troubleshooting: [
      'Utilisez la nouvelle clé émise lors de la rotation.',
      'Mettez à jour tous les endroits où l\'ancienne clé est enregistrée (secrets de CI, serveurs, scripts).',
    ],
  },
  key_not_bound: {
    title: 'Clé non liée à cette ressource',
    detail: 'Cette clé API n\'est pas liée à la ressource « {value} » ({param}).',
    meaning: 'La clé ne peut servir que pour certaines ressources, et celle de l\'URL n\'en fait pas partie.',
    troubleshooting: [
      'Utilisez la clé créée pour cette ressource.',
      'Vérifiez l\'identifiant dans l\'URL : il appartient peut-être à une autre base, société ou un autre espace de travail.',
    ],
  },
  access_denied: {
    title: 'Accès refusé',
    detail: 'Il manque à cette clé API la permission {scope}.',
    meaning: 'La clé est valide mais n\'a pas la permission qu\'exige ce point d\'accès.',
    troubleshooting: [
      'Vérifiez les permissions de la clé dans les paramètres du compte et ajoutez celle indiquée dans le détail.',
      'Ou utilisez une clé qui la possède déjà.',
    ],
  },
  account_disabled: {
    title: 'Compte désactivé',
    detail: 'Le compte de cette clé API est désactivé.',
    meaning: 'Le compte a été désactivé par le fournisseur ; aucune de ses clés ne fonctionne.',
    troubleshooting: ['Contactez le fournisseur de l\'API pour savoir pourquoi le compte a été désactivé et comment le réactiver.'],
  },
  plan_excludes_route: {
    title: 'Non inclus dans votre formule',
    detail: 'La formule {plan} n\'inclut pas ce point d\'accès.',
    meaning: 'La formule tarifaire du compte ne donne pas accès à cette partie de l\'API.',
    troubleshooting: ['N\'utilisez que les points d\'accès inclus dans votre formule, ou passez le compte à une formule qui inclut celui-ci.'],
  },
  trial_expired: {
    title: 'Paiement requis',
    detail: 'Compte expiré : l\'essai de {trialDays} jours de la formule {plan} a pris fin le {endedAt}.',
    meaning: 'Le compte utilise une formule d\'essai arrivée à son terme ; toute requête est refusée jusqu\'au passage à une formule payante.',
    troubleshooting: ['Contactez le fournisseur de l\'API pour passer le compte à une formule payante.'],
  },
  feature_not_in_plan: {
    title: 'Fonctionnalité absente de la formule',
    detail: 'La formule {plan} n\'inclut pas {feature}.',
    meaning: 'La requête utilise une fonctionnalité que la formule du compte n\'inclut pas.',
    troubleshooting: ['Envoyez la requête sans cette fonctionnalité, ou passez le compte à une formule qui l\'inclut.'],
  },
  entity_limit_reached: {
    title: 'Limite d\'entités dépassée',
    detail: 'La formule {plan} autorise {limit} {entity}, et {usage} sont utilisées.',
    meaning: 'En créer une de plus dépasserait le nombre de ces entités autorisé par la formule du compte.',
    troubleshooting: ['Supprimez celles dont vous n\'avez plus besoin et renvoyez la requête.', 'Ou passez le compte à une formule dont la limite est plus élevée.'],
  },
  key_limit_reached: {
    title: 'Nombre maximal de clés atteint',
    detail: 'Un compte peut avoir au plus {limit} clés API actives.',
    meaning: 'La requête dépasserait le nombre de clés API qu\'un compte peut avoir.',
    troubleshooting: ['Révoquez les clés que vous n\'utilisez plus, puis créez la nouvelle.'],
  },
  key_rotation_refused: {
    title: 'Renouvellement de clé refusé',
    detail: 'La clé appelante ne peut pas renouveler la clé {keyId}.',
    meaning:
      'Un détenteur de clé ne renouvelle que des clés qui cessent de fonctionner au plus tard en même temps que la clé appelante, et une clé elle-même en cours de remplacement n\'en renouvelle aucune : le nouveau secret ne doit pas survivre à la clé qui l\'a demandé.',
    troubleshooting: ['Renouvelez la clé avec elle-même, ou avec une clé qui vit au moins aussi longtemps.', 'Un opérateur peut renouveler n\'importe quelle clé (`portier keys rotate ID`).'],
  },
  error_record_not_found: {
    title: 'Erreur introuvable',
    detail: 'Aucune erreur récente de ce compte n\'a l\'identifiant de corrélation {correlationId}.',
    meaning: 'Le portail conserve les dernières réponses d\'erreur de chaque compte ; cet identifiant de corrélation n\'en fait pas partie.',
    troubleshooting: ['Vérifiez l\'identifiant de corrélation dans l\'en-tête ou le corps de la réponse d\'erreur.', 'Les erreurs plus anciennes ne sont plus conservées : envoyez l\'identifiant de corrélation tel quel au support.'],
  },
  idempotency_key_required: {
    title: 'Clé d\'idempotence requise',
    detail: '{method} {path} exige un en-tête Idempotency-Key.',
    meaning:
      'Cette opération modifie des données, et l\'API ne l\'accepte qu\'avec une Idempotency-Key, afin qu\'une nouvelle tentative de la même requête ne puisse jamais l\'appliquer deux fois.',
    troubleshooting: [
      'Générez une valeur unique (un UUID) pour chaque opération logique et envoyez-la sous la forme `Idempotency-Key: "<valeur>"`.',
      'Renvoyez la même valeur quand vous réessayez cette opération ; utilisez-en une nouvelle pour une nouvelle opération.',
    ],
  },
  idempotency_key_invalid: {
    title: 'Clé d\'idempotence invalide',
    detail: 'L\'en-tête Idempotency-Key est inutilisable : {reason}.',
    meaning: 'L\'en-tête Idempotency-Key est présent, mais sa valeur ne permet pas de reconnaître une nouvelle tentative.',
    troubleshooting: [
      'Envoyez une seule valeur ASCII imprimable de 1 à 255 caractères, entre guillemets (`"…"`) ou non, par exemple un UUID.',
      'N\'envoyez l\'en-tête qu\'une fois par requête.',
    ],
  },
  idempotency_key_mismatch: {
    title: 'Clé d\'idempotence réutilisée',
    detail: 'L\'Idempotency-Key « {key} » a déjà été utilisée avec une autre requête.',
    meaning:
      'Une requête avec cette clé a déjà été reçue avec un autre corps, une autre méthode ou une autre URL. Une clé désigne une seule opération ; la nouvelle requête n\'a donc pas été traitée.',
    troubleshooting: [
      'Si vous réessayez, envoyez exactement la même requête que la première fois.',
      'S\'il s\'agit d\'une nouvelle opération, générez-lui une nouvelle Idempotency-Key.',
    ],
  },
  idempotency_request_in_flight: {
    title: 'Requête déjà en cours',
    detail: 'Une requête avec l\'Idempotency-Key « {key} » est encore en cours de traitement.',
    meaning: 'La première requête avec cette clé n\'est pas terminée : il n\'y a pas encore de résultat à renvoyer, et elle ne doit pas être exécutée deux fois.',
    troubleshooting: [
      'Attendez le nombre de secondes indiqué dans l\'en-tête Retry-After, puis réessayez avec la même clé : vous obtiendrez le résultat de la première requête.',
      'N\'envoyez pas la même opération en parallèle.',
    ],
  },
  operation_not_found: {
    title: 'Opération introuvable',
    detail: 'Il n\'existe pas d\'opération {operationId}.',
    meaning: 'L\'opération n\'existe pas, a expiré, ou a été créée avec un autre compte.',
    troubleshooting: [
      'Utilisez l\'identifiant (ou l\'en-tête Location) renvoyé par la réponse 202 qui a créé l\'opération.',
      'Vérifiez que vous utilisez une clé du compte qui l\'a créée.',
    ],
  },
  resource_not_ready: {
    title: 'Ressource pas encore prête',
    detail: 'L\'opération {operationId} est encore à l\'état {status} ; son résultat n\'est pas encore disponible.',
    meaning: 'La ressource n\'est pas prête : l\'opération asynchrone qui la produit n\'est pas terminée.',
    troubleshooting: [
      'Interrogez l\'opération jusqu\'à ce que son statut ne soit plus Pending, en attendant entre deux appels le nombre de secondes indiqué dans l\'en-tête Retry-After.',
      'Redemandez ensuite le résultat.',
    ],
  },
  account_not_found: {
    title: 'Compte introuvable',
    detail: 'Il n\'existe pas de compte {accountId}.',
    meaning: 'Le compte désigné dans une requête d\'administration n\'existe pas.',
    troubleshooting: ['Listez les comptes (`portier accounts list`) et utilisez l\'un de leurs identifiants.'],
  },
  key_not_found: {
    title: 'Clé introuvable',
    detail: 'Il n\'existe pas de clé API {keyId}.',
    meaning: 'La clé désignée dans une requête d\'administration n\'existe pas.',
    troubleshooting: ['Listez les clés du compte (`portier keys list --account ID`) et utilisez l\'un de leurs identifiants.'],
  },
  plan_not_found: {
    title: 'Formule inconnue',
    detail: 'La configuration ne contient pas de formule {plan}.',
    meaning: 'Les comptes doivent être sur une formule déclarée sous `plans` dans portier.yaml.',
    troubleshooting: ['Utilisez l\'une des formules déclarées dans la configuration, ou déclarez celle-ci.'],
  },
  rate_limited: {
    title: 'Trop de requêtes',
    detail: 'La limite de {limit} requêtes par {window} (« {name} ») est épuisée ; elle se libère dans {retryAfter} s.',
    meaning:
      'Trop de requêtes ont été envoyées sur une période donnée. L\'API autorise un nombre fixe de requêtes par fenêtre (par exemple 300 par minute et 5 000 par jour et par base) ; vous devez attendre qu\'elle accepte à nouveau des requêtes.',
    troubleshooting: [
      'Attendez le nombre de secondes indiqué dans l\'en-tête Retry-After, puis réessayez.',
      'Optimisez votre code ou espacez vos requêtes pour rester sous la limite : les en-têtes RateLimit de chaque réponse indiquent ce qu\'il reste.',
      'S\'il vous faut une limite plus élevée, interrogez le fournisseur de l\'API sur les formules qui en proposent une.',
    ],
  },
  rate_limiter_unavailable: {
    title: 'Limiteur de débit indisponible',
    detail: 'La requête n\'a pas pu être vérifiée par rapport à ses limites de débit pour le moment.',
    meaning:
      'Le stockage des compteurs de limites de débit est injoignable ou trop lent, et cette limite est configurée pour refuser les requêtes plutôt que de les laisser passer sans contrôle. La requête n\'a pas été traitée.',
    troubleshooting: [
      'Attendez le nombre de secondes indiqué dans l\'en-tête Retry-After, puis réessayez avec un délai exponentiel.',
      'Si cela persiste, contactez le support en indiquant l\'identifiant de corrélation.',
    ],
  },
  account_store_unavailable: {
    title: 'Stockage des comptes indisponible',
    detail: 'La clé API n\'a pas pu être vérifiée pour le moment.',
    meaning:
      'Le stockage partagé des comptes et des clés est injoignable : la clé (ou la limite du plan dont la requête a besoin) n\'a pas pu être vérifiée. La requête n\'a pas été traitée.',
    troubleshooting: [
      'Attendez le nombre de secondes indiqué dans l\'en-tête Retry-After, puis réessayez avec un délai exponentiel.',
      'Si cela persiste, contactez le support en indiquant l\'identifiant de corrélation.',
    ],
  },
  account_store_busy: {
    title: 'Trop de vérifications de clés',
    detail: 'La clé API n\'a pas pu être vérifiée pour le moment : trop de clés sont vérifiées en même temps.',
    meaning:
      'La clé n\'est pas dans le cache de la passerelle, et celle-ci mène déjà autant de recherches de clés non mises en cache qu\'elle le permet, afin que des clés inconnues ne puissent pas surcharger le stockage des comptes. La requête n\'a pas été traitée.',
    troubleshooting: [
      'Attendez le nombre de secondes indiqué dans l\'en-tête Retry-After, puis réessayez avec un délai exponentiel.',
      'Si cela persiste, contactez le support en indiquant l\'identifiant de corrélation.',
    ],
  },
  operation_timed_out: {
    title: 'Délai de l\'opération dépassé',
    detail: 'L\'opération {operationId} ne s\'est pas terminée dans son délai de {deadline}.',
    meaning:
      'L\'opération asynchrone a été tentée jusqu\'à son échéance, et le service derrière l\'API n\'a jamais donné de réponse définitive (il a échoué, dépassé son délai ou demandé de réessayer plus tard).',
    troubleshooting: [
      'Vérifiez si la modification a été appliquée avant de la soumettre à nouveau : le service a pu faire le travail sans répondre.',
      'Si vous la soumettez à nouveau, c\'est une nouvelle opération ; contactez le support avec l\'identifiant de corrélation si le délai est encore dépassé.',
    ],
  },
  operation_queue_full: {
    title: 'Trop d\'opérations en attente',
    detail: 'La file des opérations asynchrones est pleine ({limit} en attente).',
    meaning: 'L\'API accepte du travail asynchrone jusqu\'à un nombre fixe d\'opérations en attente, et ce nombre est atteint. La requête n\'a pas été acceptée.',
    troubleshooting: [
      'Attendez le nombre de secondes indiqué dans l\'en-tête Retry-After, puis réessayez.',
      'Attendez que vos opérations en attente se terminent avant d\'en lancer de nouvelles.',
    ],
  },
  maintenance: {
    title: 'Maintenance en cours',
    detail: '{message}',
    meaning: 'L\'opérateur a mis cette API, ou cette partie de l\'API, hors ligne pour maintenance.',
    troubleshooting: [
      'Attendez le nombre de secondes indiqué dans l\'en-tête Retry-After, puis réessayez.',
      'Consultez la page d\'état du fournisseur pour connaître la fin de la maintenance.',
    ],
  },
  service_unavailable: {
    title: 'Service indisponible',
    detail: 'Le service {service} est temporairement indisponible.',
    meaning:
      'La requête a atteint la passerelle, mais le service qui se trouve derrière ne peut pas la traiter pour le moment : il s\'est déclaré surchargé ou arrêté, ou il a échoué si souvent que la passerelle a cessé de lui envoyer du trafic pendant un moment.',
    troubleshooting: [
      'Attendez le nombre de secondes indiqué dans l\'en-tête Retry-After, puis réessayez avec un délai exponentiel.',
      'Les requêtes qui ont échoué avec cette erreur n\'ont pas été traitées ; renvoyez-les vous-même, rien n\'est rejoué à votre place.',
    ],
  },
  bad_gateway: {
    title: 'Passerelle incorrecte',
    detail: 'Le service {service} n\'a pas pu être joint ou a coupé la connexion.',
    meaning: 'La passerelle n\'a pas obtenu de réponse valide du service qui se trouve derrière elle : la connexion a été refusée ou réinitialisée.',
    troubleshooting: ['Réessayez la requête avec un délai exponentiel.', 'Si l\'erreur persiste, contactez le support en indiquant l\'identifiant de corrélation.'],
  },
  gateway_timeout: {
    title: 'Délai de passerelle dépassé',
    detail: 'Le service {service} n\'a pas répondu en {timeoutMs} ms.',
    meaning: 'La passerelle n\'a pas reçu à temps de réponse du service qui se trouve derrière elle.',
    troubleshooting: [
      'Réessayez la requête avec un délai exponentiel ; pour les écritures, envoyez une Idempotency-Key afin qu\'une nouvelle tentative ne puisse pas s\'appliquer deux fois.',
      'Si l\'opération est volumineuse, découpez-la en requêtes plus petites.',
    ],
  },
  upstream_circuit_open: {
    title: 'Service suspendu après des échecs répétés',
    detail: 'Le service {service} a échoué plusieurs fois de suite ; la passerelle ne lui envoie aucune requête pendant {retryAfterSeconds} s.',
    meaning:
      'Le service derrière la passerelle a échoué plusieurs fois de suite (connexions refusées ou coupées, délais dépassés, réponses 502/503/504) : la passerelle a ouvert son disjoncteur et, pendant un moment, répond aussitôt au lieu d\'attendre un service défaillant. Ce délai écoulé, une requête d\'essai passe ; si elle réussit, le trafic reprend.',
    troubleshooting: [
      'Attendez le nombre de secondes indiqué dans l\'en-tête Retry-After, puis réessayez.',
      'La requête n\'a pas été envoyée au service ; la réessayer ne peut pas l\'appliquer deux fois.',
      'Exploitants : le journal de la passerelle indique quand le disjoncteur s\'est ouvert et refermé, et /metrics expose portier_circuit_state et portier_circuit_opens_total par service amont.',
    ],
  },
  upstream_client_error: {
    title: 'Requête rejetée par le service',
    detail: '{message}',
    fallbackDetail: 'Le service a rejeté la requête sans message lisible.',
    meaning: 'Le service derrière la passerelle a rejeté la requête. Le statut est celui qu\'a renvoyé le service.',
    troubleshooting: [
      'Lisez le détail : c\'est le message du service indiqué dans `service`.',
      'Corrigez la requête comme l\'indique le message ; la renvoyer telle quelle échouera de nouveau.',
    ],
  },
  upstream_server_error: {
    title: 'Erreur du service',
    detail: '{message}',
    fallbackDetail: 'Le service a échoué sans message lisible.',
    meaning: 'Le service derrière la passerelle a échoué en traitant la requête. Le statut est celui qu\'a renvoyé le service.',
    troubleshooting: [
      'Réessayez la requête avec un délai exponentiel.',
      'Si l\'échec persiste, contactez le support avec l\'identifiant de corrélation et la requête complète (sans votre clé).',
    ],
  },
  internal_error: {
    title: 'Erreur interne',
    detail: 'La passerelle a échoué de manière inattendue en traitant cette requête.',
    meaning: 'Un problème est survenu dans la passerelle elle-même. La requête n\'a peut-être pas atteint le service qui se trouve derrière.',
    troubleshooting: [
      'Réessayez la requête plus tard.',
      'Si l\'échec persiste, contactez le support avec l\'identifiant de corrélation : il permet de retrouver l\'erreur complète dans le journal de la passerelle.',
    ],
  },
  not_ready: {
    title: 'Pas prête',
    detail: 'La passerelle n\'est pas prête à servir : {checks}.',
    meaning:
      'Le contrôle de disponibilité a échoué : la passerelle s\'arrête, ou un stockage que sa configuration utilise (comptes, Redis des limites ou de l\'idempotence, file des opérations) n\'a pas répondu à temps. La passerelle elle-même fonctionne ; un répartiteur de charge doit envoyer le trafic à une autre réplique jusqu\'à ce qu\'elle soit de nouveau prête.',
    troubleshooting: [
      'Envoyez la requête à une autre réplique, ou réessayez après le nombre de secondes indiqué dans l\'en-tête Retry-After.',
      'Exploitants : le détail nomme chaque contrôle en échec (`shutdown`, `accounts`, `rateLimits`, `idempotency`, `operations`) ; voir docs/operations.md.',
    ],
  },
  config_invalid: {
    title: 'Configuration invalide',
    detail: 'Le fichier de configuration {file} comporte {count} problème(s).',
    meaning: 'La passerelle a refusé de démarrer, car son fichier de configuration ne respecte pas le schéma ou fait référence à des éléments inexistants.',
    troubleshooting: [
      'Lancez `portier config check FICHIER` : la commande liste chaque problème avec sa ligne et son chemin de clé.',
      'Consultez docs/config.md pour chaque champ, son type et sa valeur par défaut.',
    ],
  },
  listen_failed: {
    title: 'Écoute impossible',
    detail: 'La passerelle ne peut pas écouter sur {address} : {reason}.',
    meaning: 'La passerelle n\'a pas pu ouvrir son port ; elle n\'a donc pas démarré.',
    troubleshooting: [
      'Si le port est déjà utilisé, arrêtez l\'autre processus ou choisissez un autre port (`server.port`, ou PORT pour la démo).',
      'Les ports inférieurs à 1024 exigent des privilèges supplémentaires ; utilisez un port plus élevé derrière un répartiteur de charge.',
    ],
  },
};
