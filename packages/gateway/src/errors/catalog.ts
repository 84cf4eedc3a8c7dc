/**
 * The error catalog: every error Portier can emit, and the single place where HTTP statuses and
 * client-facing texts are written. Envelopes, the generated reference (docs/errors.md) and the SDK
 * derive from it. Codes never change meaning and are never reused.
 *
 * Texts are keyed by language so that other languages plug in beside `en`. A detail template names
 * its parameters in braces (`{method}`); the type system checks that callers pass exactly those.
 */

/** Who is responsible for a failure: keeps 5xx honest and splits "our bug" from "their backend". */
export type ErrorOwner = 'client' | 'gateway' | 'config' | 'upstream' | 'capacity';

/** Languages the catalog ships (English lives here; the others in translations/). */
export const shippedLanguages = ['en', 'fr', 'de', 'ru'] as const;
export type CatalogLanguage = (typeof shippedLanguages)[number];

export interface ErrorTexts {
  /** Short, stable summary (problem+json `title`). */
  readonly title: string;
  /** Public detail template; `{name}` is replaced by a parameter. */
  readonly detail: string;
  /** Detail used when a template parameter is empty (e.g. an upstream error without a readable message). */
  readonly fallbackDetail?: string;
  /** What the error means, in the seeds' "meaning of the error message" structure. */
  readonly meaning: string;
  /** What the caller (or operator) can do about it, in order. */
  readonly troubleshooting: readonly string[];
  /**
   * Error items shown with this code when the error itself carries none (operator texts only: Codat's
   * 402 lists `{itemId: "Company", validatorName: "CreateCompany"}`).
   */
  readonly items?: readonly { readonly pointer: string; readonly message: string; readonly rule: string }[];
}

export interface CatalogEntry {
  /** HTTP status; for codes with `statusFromUpstream`, the status used when none is given. */
  readonly status: number;
  readonly owner: ErrorOwner;
  /** Whether repeating the same request later may succeed. */
  readonly retryable: boolean;
  /** The status mirrors the upstream's own (normalized upstream errors). */
  readonly statusFromUpstream?: boolean;
  /** Never sent over HTTP: reported by the CLI or at boot. */
  readonly offline?: boolean;
  /** English texts: the source of truth for template parameters; other languages must match them. */
  readonly texts: { readonly en: ErrorTexts };
}

export const catalog = {
  not_found: {
    status: 404,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Not found',
        detail: 'No route matches {method} {path}.',
        meaning: 'The URL does not match any route this API exposes.',
        troubleshooting: [
          'Check the path for typos, a missing version prefix or a wrong resource identifier.',
          'Compare the URL with the API reference; paths are case-sensitive.',
        ],
      },
    },
  },
  method_not_allowed: {
    status: 405,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Method not allowed',
        detail: '{method} is not allowed on {path}. Allowed: {allowed}.',
        meaning: 'The path exists, but not with the HTTP method that was used.',
        troubleshooting: [
          'Use one of the methods listed in the Allow response header.',
          'Check whether the operation you want lives on another path (for example a collection rather than an item).',
        ],
      },
    },
  },
  bad_request: {
    status: 400,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Bad request',
        detail: 'The request could not be read: {reason}.',
        meaning: 'The request is not well-formed HTTP, or its URL cannot be decoded.',
        troubleshooting: [
          'Check that header names and values contain only valid characters and that the URL is properly percent-encoded.',
          'If you build requests by hand, prefer an HTTP client library that encodes them for you.',
        ],
      },
    },
  },
  invalid_json: {
    status: 400,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Invalid JSON',
        detail: 'The body is not valid JSON: {reason} (line {line}, column {column}).',
        meaning: 'The request body could not be read as JSON, so nothing in it was processed.',
        troubleshooting: [
          'Look at the line and column given in the detail: a missing comma, quote or bracket is the usual cause.',
          'Build the body with a JSON library rather than by joining strings, and send it as UTF-8.',
        ],
      },
    },
  },
  unsupported_media_type: {
    status: 415,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Unsupported media type',
        detail: 'This endpoint accepts {expected}; the request was sent as {received}.',
        meaning: 'The Content-Type of the request is not one this endpoint reads.',
        troubleshooting: ['Send the body as JSON with the header `Content-Type: application/json`.'],
      },
    },
  },
  validation_failed: {
    status: 400,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Validation failed',
        detail: 'The request has {count} problem(s); each is listed in errors.',
        meaning: 'The request is well-formed but breaks rules of this endpoint. Nothing was done: every problem is listed at once, with the item it concerns and the rule that caught it.',
        troubleshooting: [
          'Fix every item listed in errors (each names the JSON pointer of the item and the rule), then send the request again.',
          'Warnings, if any, would not have stopped the request on their own.',
        ],
      },
    },
  },
  payload_too_large: {
    status: 413,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Payload too large',
        detail: 'The request body is larger than the {limitBytes} bytes this route accepts.',
        meaning: 'The request body exceeds the size limit configured for this route.',
        troubleshooting: [
          'Send a smaller body, for example by splitting a batch into several requests.',
          'If you need to send larger payloads, ask the API provider about the limit for this endpoint.',
        ],
      },
    },
  },
  header_fields_too_large: {
    status: 431,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Request header fields too large',
        detail: 'The request headers are larger than the {limitBytes} bytes this server accepts.',
        meaning: 'The request line and headers together exceed the configured size limit.',
        troubleshooting: [
          'Remove headers you do not need, such as large cookies.',
          'Check that a token or key was not pasted into a header several times.',
        ],
      },
    },
  },
  request_timeout: {
    status: 408,
    owner: 'client',
    retryable: true,
    texts: {
      en: {
        title: 'Request timeout',
        detail: 'The request was not received completely within {timeoutMs} ms.',
        meaning: 'The client took too long to send the request headers or body, so the server closed the connection.',
        troubleshooting: [
          'Check the network between your client and the API.',
          'Make sure your client sends the whole body it announced in Content-Length.',
          'Retry the request.',
        ],
      },
    },
  },
  invalid_request_target: {
    status: 400,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Invalid request target',
        detail: 'The request target is not a path this gateway forwards.',
        meaning:
          'The path contains an encoded slash (%2F), a backslash (raw or %5C), a NUL byte (%00), a control character, a malformed percent escape or a `.` or `..` segment (also percent-encoded), or the target is not a path at all (`*`, another scheme). A service behind the gateway could read any of these as a different path than the one the gateway routed, so none is forwarded.',
        troubleshooting: [
          'Send the path in origin form (`/v1/items/42`), with dot segments resolved and every reserved character percent-encoded once.',
          'If a value inside the path contains a slash, send it in the query string or the body instead.',
        ],
      },
    },
  },
  expectation_failed: {
    status: 417,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Expectation failed',
        detail: 'The Expect header asks for something this gateway does not do; only 100-continue is supported.',
        meaning: 'The request carries an `Expect` header with a value other than `100-continue`, so the gateway cannot meet it and did not process the request.',
        troubleshooting: ['Remove the Expect header, or send `Expect: 100-continue`.'],
      },
    },
  },
  connect_not_supported: {
    status: 405,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'CONNECT not supported',
        detail: 'This gateway does not open tunnels: CONNECT is not served.',
        meaning: 'A CONNECT request asks the server to act as a forward proxy and open a tunnel to another host. This gateway serves its own API only.',
        troubleshooting: [
          'Send the request straight to the API URL, without configuring this gateway as an HTTP proxy.',
          'Check the proxy settings (HTTP_PROXY, HTTPS_PROXY) of the client or its environment.',
        ],
      },
    },
  },
  authentication_required: {
    status: 401,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Authentication required',
        detail: 'This request needs an API key. Send it as {expected}.',
        meaning: 'The API key or access token was not present in the request.',
        troubleshooting: [
          'Find the right key for this API and add it to the request as an authorization header, in the form given in the detail.',
          'Check that a proxy or HTTP library between you and the API does not strip the Authorization header.',
        ],
      },
    },
  },
  credentials_malformed: {
    status: 401,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Malformed credentials',
        detail: 'The API key was not sent in the expected form: {hint}. Expected {expected}.',
        meaning: 'A key or token was sent, but not in the form the API expects, so it was not looked up.',
        troubleshooting: [
          'Read the hint in the detail: it says exactly what is wrong (scheme, quotes, spaces, a truncated or mistyped key).',
          'Copy the key again from where it was shown to you, without quotes or line breaks, and send it as given in the detail.',
        ],
      },
    },
  },
  invalid_token: {
    status: 401,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Invalid authentication token',
        detail: 'The API key is not valid.',
        meaning: 'The key has the right form but does not match any key of this API (unauthorized, invalid authentication token).',
        troubleshooting: [
          'Make sure the key you use is the one shown to you when it was created; keys are shown once.',
          'If the key was deleted, create a new one.',
        ],
      },
    },
  },
  key_expired: {
    status: 401,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Key expired',
        detail: 'This API key expired at {expiredAt}.',
        meaning: 'The key had an expiry date, and it has passed.',
        troubleshooting: ['Create a new key, or ask the account owner for one.', 'Plan key renewal before the expiry date.'],
      },
    },
  },
  access_token_expired: {
    status: 401,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Access token expired',
        detail: 'This access token expired at {expiredAt}; exchange your API key for a new one.',
        meaning: 'Access tokens are short-lived: they are obtained with an API key and stop working after a set time.',
        troubleshooting: [
          'Request a new access token with your API key, then retry with it.',
          'Renew tokens a little before they expire (the exchange answer says when).',
        ],
      },
    },
  },
  wrong_instance: {
    status: 401,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Key of another instance',
        detail: 'This API key belongs to the instance {instance}; send your requests to {url}.',
        meaning: 'Every account lives on one instance with its own address. The key is valid there, not here.',
        troubleshooting: [
          'Send the request to the address given in the detail.',
          'Check the base URL configured in your client: it must be the one of your account\'s instance.',
        ],
      },
    },
  },
  key_revoked: {
    status: 403,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Key revoked',
        detail: 'This API key was revoked at {revokedAt}.',
        meaning: 'The key was valid once, but it has been revoked and can no longer be used.',
        troubleshooting: ['Use another key of the account, or create a new one.', 'If you did not revoke it, ask the account owner why.'],
      },
    },
  },
  key_obsolete: {
    status: 403,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Obsolete key',
        detail: 'This API key was replaced at {rotatedAt} and its grace period is over.',
        meaning: 'The key was rotated: a new key replaced it, and the old one only worked for a grace period.',
        troubleshooting: ['Use the new key issued by the rotation.', 'Update every place where the old key is stored (CI secrets, servers, scripts).'],
      },
    },
  },
  key_not_bound: {
    status: 403,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Key not bound to this resource',
        detail: 'This API key is not bound to the {param} "{value}".',
        meaning: 'The key may only be used for some resources, and the one in the URL is not among them.',
        troubleshooting: [
          'Use the key that was created for this resource.',
          'Check the identifier in the URL: it may belong to another base, company or workspace.',
        ],
      },
    },
  },
  access_denied: {
    status: 403,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Access denied',
        detail: 'This API key lacks the permission {scope}.',
        meaning: 'The key is valid but does not have the permission this endpoint requires.',
        troubleshooting: [
          'Check the key\'s permissions in the account settings and add the one named in the detail.',
          'Or use a key that already has it.',
        ],
      },
    },
  },
  account_disabled: {
    status: 403,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Account disabled',
        detail: 'The account of this API key is disabled.',
        meaning: 'The account has been disabled by the provider; none of its keys work.',
        troubleshooting: ['Contact the API provider to find out why the account was disabled and how to enable it again.'],
      },
    },
  },
  plan_excludes_route: {
    status: 403,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Not included in your plan',
        detail: 'The {plan} plan does not include this endpoint.',
        meaning: 'The account\'s pricing plan does not give access to this part of the API.',
        troubleshooting: ['Use only the endpoints your plan includes, or move the account to a plan that includes this one.'],
      },
    },
  },
  trial_expired: {
    status: 402,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Payment required',
        detail: 'Account expired: the {plan} plan\'s {trialDays}-day trial ended at {endedAt}.',
        meaning: 'The account is on a trial plan that has run out; every request is refused until it is upgraded.',
        troubleshooting: ['Contact the API provider to move the account to a paid plan.'],
      },
    },
  },
  feature_not_in_plan: {
    status: 402,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Feature not in plan',
        detail: 'The {plan} plan does not include {feature}.',
        meaning: 'The request uses a feature that the account\'s plan does not include.',
        troubleshooting: ['Send the request without that feature, or move the account to a plan that includes it.'],
      },
    },
  },
  entity_limit_reached: {
    status: 402,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Entity limit exceeded',
        detail: 'The {plan} plan allows {limit} {entity}, and {usage} are in use.',
        meaning: 'Creating one more would exceed the number of these entities the account\'s plan allows.',
        troubleshooting: [
          'Delete the ones you no longer need and retry the request.',
          'Or move the account to a plan with a higher limit.',
        ],
      },
    },
  },
  key_limit_reached: {
    status: 409,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Key limit reached',
        detail: 'An account can have at most {limit} active API keys.',
        meaning: 'The request would exceed the number of API keys an account may have.',
        troubleshooting: ['Revoke keys you no longer use, then create the new one.'],
      },
    },
  },
  key_rotation_refused: {
    status: 403,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Key rotation refused',
        detail: 'The calling key may not rotate key {keyId}.',
        meaning:
          'A key holder rotates only keys that stop working no later than the calling key, and a key that is itself being rotated out rotates none: the new secret must not outlive the key that asked for it.',
        troubleshooting: ['Rotate the key with itself, or with a key that lives at least as long.', 'An operator can rotate any key (`portier keys rotate ID`).'],
      },
    },
  },
  error_record_not_found: {
    status: 404,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Error not found',
        detail: 'No recent error of this account has the correlation ID {correlationId}.',
        meaning: 'The portal keeps the latest error answers of each account; this correlation ID is not among the caller\'s.',
        troubleshooting: ['Check the correlation ID in the error answer\'s header or body.', 'Older errors are no longer kept: send the correlation ID to support as it is.'],
      },
    },
  },
  idempotency_key_required: {
    status: 400,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Idempotency key required',
        detail: '{method} {path} needs an Idempotency-Key header.',
        meaning:
          'This operation changes data, and the API only accepts it with an Idempotency-Key so that a retry of the same request can never apply it twice.',
        troubleshooting: [
          'Generate a unique value (a UUID) for each logical operation and send it as `Idempotency-Key: "<value>"`.',
          'Send the same value again when you retry that operation; use a new one for a new operation.',
        ],
      },
    },
  },
  idempotency_key_invalid: {
    status: 400,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Invalid idempotency key',
        detail: 'The Idempotency-Key header is not usable: {reason}.',
        meaning: 'The Idempotency-Key header is present but its value cannot be used to recognise a retry.',
        troubleshooting: [
          'Send one printable ASCII value of 1 to 255 characters, quoted (`"…"`) or bare, such as a UUID.',
          'Send the header once per request.',
        ],
      },
    },
  },
  idempotency_key_mismatch: {
    status: 422,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Idempotency key reused',
        detail: 'The Idempotency-Key "{key}" was already used with a different request.',
        meaning:
          'A request with this key was already received with another body, method or URL. A key stands for one operation, so the new request was not processed.',
        troubleshooting: [
          'If you are retrying, send exactly the same request as the first time.',
          'If this is a new operation, generate a new Idempotency-Key for it.',
        ],
      },
    },
  },
  idempotency_request_in_flight: {
    status: 409,
    owner: 'client',
    retryable: true,
    texts: {
      en: {
        title: 'Request already in progress',
        detail: 'A request with the Idempotency-Key "{key}" is still being processed.',
        meaning: 'The first request with this key has not finished yet, so there is no result to return and it must not be run twice.',
        troubleshooting: [
          'Wait the number of seconds given in the Retry-After header, then retry with the same key: you will get the first request\'s result.',
          'Do not send the same operation in parallel.',
        ],
      },
    },
  },
  operation_not_found: {
    status: 404,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Operation not found',
        detail: 'There is no operation {operationId}.',
        meaning: 'The operation does not exist, has expired, or was created with another account.',
        troubleshooting: [
          'Use the identifier (or the Location header) returned by the 202 response that created the operation.',
          'Check that you are using a key of the account that created it.',
        ],
      },
    },
  },
  resource_not_ready: {
    status: 409,
    owner: 'client',
    retryable: true,
    texts: {
      en: {
        title: 'Resource not ready',
        detail: 'Operation {operationId} is still {status}; its result is not available yet.',
        meaning: 'The resource is not ready: the asynchronous operation that produces it has not finished.',
        troubleshooting: [
          'Poll the operation until its status is no longer Pending, waiting the number of seconds given in the Retry-After header between polls.',
          'Then ask for the result again.',
        ],
      },
    },
  },
  account_not_found: {
    status: 404,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Account not found',
        detail: 'There is no account {accountId}.',
        meaning: 'The account named in an administration request does not exist.',
        troubleshooting: ['List the accounts (`portier accounts list`) and use one of their ids.'],
      },
    },
  },
  key_not_found: {
    status: 404,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Key not found',
        detail: 'There is no API key {keyId}.',
        meaning: 'The key named in an administration request does not exist.',
        troubleshooting: ['List the account\'s keys (`portier keys list --account ID`) and use one of their ids.'],
      },
    },
  },
  plan_not_found: {
    status: 400,
    owner: 'client',
    retryable: false,
    texts: {
      en: {
        title: 'Unknown plan',
        detail: 'There is no plan {plan} in the configuration.',
        meaning: 'Accounts must be on a plan declared under `plans` in portier.yaml.',
        troubleshooting: ['Use one of the plans declared in the configuration, or declare this one.'],
      },
    },
  },
  rate_limited: {
    status: 429,
    owner: 'capacity',
    retryable: true,
    texts: {
      en: {
        title: 'Too many requests',
        detail: 'The limit of {limit} requests per {window} ("{name}") is used up; it frees up in {retryAfter} s.',
        meaning:
          'Too many requests were made within a given period. The API allows a set number of requests per window (for example 300 per minute and 5,000 per day per base); you must wait until it accepts requests again.',
        troubleshooting: [
          'Wait the number of seconds given in the Retry-After header, then retry.',
          'Optimize your code or space your requests out to stay under the limit: the RateLimit headers of every response say how much is left.',
          'If you need a higher limit, ask the API provider about plans that include one.',
        ],
      },
    },
  },
  rate_limiter_unavailable: {
    status: 503,
    owner: 'capacity',
    retryable: true,
    texts: {
      en: {
        title: 'Rate limiter unavailable',
        detail: 'The request could not be checked against its rate limits right now.',
        meaning:
          'The store that keeps rate-limit counters is unreachable or too slow, and this limit is set to refuse requests rather than let them through unchecked. The request was not processed.',
        troubleshooting: [
          'Wait the number of seconds given in the Retry-After header, then retry with exponential backoff.',
          'If it persists, contact support with the correlation ID.',
        ],
      },
    },
  },
  account_store_unavailable: {
    status: 503,
    owner: 'capacity',
    retryable: true,
    texts: {
      en: {
        title: 'Account store unavailable',
        detail: 'The API key could not be checked right now.',
        meaning:
          'The shared store of accounts and keys is unreachable, so the key (or the plan limit the request needs) could not be checked. The request was not processed.',
        troubleshooting: [
          'Wait the number of seconds given in the Retry-After header, then retry with exponential backoff.',
          'If it persists, contact support with the correlation ID.',
        ],
      },
    },
  },
  account_store_busy: {
    status: 503,
    owner: 'capacity',
    retryable: true,
    texts: {
      en: {
        title: 'Too many key lookups',
        detail: 'The API key could not be checked right now: too many keys are being looked up at once.',
        meaning:
          'The key is not in the gateway\'s cache, and the gateway already has as many lookups of uncached keys running as it allows, so that unknown keys cannot overload the account store. The request was not processed.',
        troubleshooting: [
          'Wait the number of seconds given in the Retry-After header, then retry with exponential backoff.',
          'If it persists, contact support with the correlation ID.',
        ],
      },
    },
  },
  operation_timed_out: {
    status: 504,
    owner: 'upstream',
    retryable: false,
    texts: {
      en: {
        title: 'Operation timed out',
        detail: 'Operation {operationId} did not complete within its deadline of {deadline}.',
        meaning:
          'The asynchronous operation was tried until its deadline, and the service behind the API never gave a final answer (it kept failing, timing out or asking to retry later).',
        troubleshooting: [
          'Check whether the change was applied before you submit it again: the service may have done the work without answering.',
          'If you submit it again, it is a new operation; contact support with the correlation ID if it keeps timing out.',
        ],
      },
    },
  },
  operation_queue_full: {
    status: 503,
    owner: 'capacity',
    retryable: true,
    texts: {
      en: {
        title: 'Too many pending operations',
        detail: 'The queue of asynchronous operations is full ({limit} pending).',
        meaning: 'The API accepts asynchronous work up to a set number of waiting operations, and that number is reached. The request was not accepted.',
        troubleshooting: [
          'Wait the number of seconds given in the Retry-After header, then retry.',
          'Wait for your pending operations to finish before you start new ones.',
        ],
      },
    },
  },
  maintenance: {
    status: 503,
    owner: 'gateway',
    retryable: true,
    texts: {
      en: {
        title: 'Down for maintenance',
        detail: '{message}',
        meaning: 'The operator has taken this API, or this part of it, offline for maintenance.',
        troubleshooting: [
          'Wait for the number of seconds given in the Retry-After header, then retry.',
          'Check the provider status page for the end of the maintenance window.',
        ],
      },
    },
  },
  service_unavailable: {
    status: 503,
    owner: 'upstream',
    retryable: true,
    texts: {
      en: {
        title: 'Service unavailable',
        detail: 'The service {service} is temporarily unavailable.',
        meaning:
          'The request reached the gateway, but the service behind it cannot handle it right now: it reported being overloaded or down, or it failed so often that the gateway stopped sending it traffic for a while.',
        troubleshooting: [
          'Wait for the number of seconds given in the Retry-After header, then retry with exponential backoff.',
          'Requests that failed with this error were not processed; retry them yourself, nothing is replayed for you.',
        ],
      },
    },
  },
  bad_gateway: {
    status: 502,
    owner: 'upstream',
    retryable: true,
    texts: {
      en: {
        title: 'Bad gateway',
        detail: 'The service {service} could not be reached or broke the connection.',
        meaning: 'The gateway could not get a valid response from the service behind it: the connection was refused or reset.',
        troubleshooting: [
          'Retry the request with exponential backoff.',
          'If the error persists, contact support with the correlation ID.',
        ],
      },
    },
  },
  gateway_timeout: {
    status: 504,
    owner: 'upstream',
    retryable: true,
    texts: {
      en: {
        title: 'Gateway timeout',
        detail: 'The service {service} did not answer within {timeoutMs} ms.',
        meaning: 'The gateway did not receive a response from the service behind it in time.',
        troubleshooting: [
          'Retry the request with exponential backoff; for writes, send an Idempotency-Key so that a retry cannot apply twice.',
          'If the operation is large, split it into smaller requests.',
        ],
      },
    },
  },
  upstream_circuit_open: {
    status: 503,
    owner: 'upstream',
    retryable: true,
    texts: {
      en: {
        title: 'Service paused after repeated failures',
        detail: 'The service {service} failed repeatedly; the gateway sends it no requests for {retryAfterSeconds} s.',
        meaning:
          'The service behind the gateway failed several times in a row (refused or broken connections, timeouts, 502/503/504 answers), so the gateway opened its circuit breaker: for a while requests are answered at once instead of waiting on a failing service. When the time is over, one trial request goes through; if it succeeds, traffic flows again.',
        troubleshooting: [
          'Wait for the number of seconds given in the Retry-After header, then retry.',
          'The request was not sent to the service; retrying it cannot apply it twice.',
          'Operators: the gateway log says when the breaker opened and closed, and /metrics shows portier_circuit_state and portier_circuit_opens_total per upstream.',
        ],
      },
    },
  },
  upstream_client_error: {
    status: 400,
    owner: 'client',
    retryable: false,
    statusFromUpstream: true,
    texts: {
      en: {
        title: 'Request rejected by the service',
        detail: '{message}',
        fallbackDetail: 'The service rejected the request without a readable message.',
        meaning: 'The service behind the gateway rejected the request. The status is the one the service answered with.',
        troubleshooting: [
          'Read the detail: it is the message of the service named in `service`.',
          'Fix the request as the message says; retrying it unchanged will fail again.',
        ],
      },
    },
  },
  upstream_server_error: {
    status: 500,
    owner: 'upstream',
    retryable: true,
    statusFromUpstream: true,
    texts: {
      en: {
        title: 'Service error',
        detail: '{message}',
        fallbackDetail: 'The service failed without a readable message.',
        meaning: 'The service behind the gateway failed while handling the request. The status is the one the service answered with.',
        troubleshooting: [
          'Retry the request with exponential backoff.',
          'If it keeps failing, contact support with the correlation ID and the full request (without your key).',
        ],
      },
    },
  },
  internal_error: {
    status: 500,
    owner: 'gateway',
    retryable: true,
    texts: {
      en: {
        title: 'Internal error',
        detail: 'The gateway failed unexpectedly while handling this request.',
        meaning: 'Something went wrong inside the gateway itself. The request may not have reached the service behind it.',
        troubleshooting: [
          'Retry the request later.',
          'If it keeps failing, contact support with the correlation ID: it finds the full error in the gateway log.',
        ],
      },
    },
  },
  not_ready: {
    status: 503,
    owner: 'capacity',
    retryable: true,
    texts: {
      en: {
        title: 'Not ready',
        detail: 'The gateway is not ready to serve: {checks}.',
        meaning:
          'The readiness check failed: the gateway is shutting down, or a store its configuration uses (accounts, rate-limit or idempotency Redis, operation queue) did not answer in time. The gateway itself is alive; a load balancer should send traffic to another replica until it is ready again.',
        troubleshooting: [
          'Send the request to another replica, or retry after the number of seconds in the Retry-After header.',
          'Operators: the detail names each check that failed (`shutdown`, `accounts`, `rateLimits`, `idempotency`, `operations`); see docs/operations.md.',
        ],
      },
    },
  },
  config_invalid: {
    status: 500,
    owner: 'config',
    retryable: false,
    offline: true,
    texts: {
      en: {
        title: 'Invalid configuration',
        detail: 'The configuration file {file} has {count} problem(s).',
        meaning: 'The gateway refused to start because its configuration file does not match the schema or refers to things that do not exist.',
        troubleshooting: [
          'Run `portier config check FILE`: it lists every problem with its line and key path.',
          'See docs/config.md for every field, its type and its default.',
        ],
      },
    },
  },
  listen_failed: {
    status: 500,
    owner: 'config',
    retryable: false,
    offline: true,
    texts: {
      en: {
        title: 'Cannot listen',
        detail: 'The gateway cannot listen on {address}: {reason}.',
        meaning: 'The gateway could not open its port, so it did not start.',
        troubleshooting: [
          'If the port is in use, stop the other process or choose another port (`server.port`, or PORT for the demo).',
          'Ports below 1024 need extra privileges; use a higher port behind a load balancer.',
        ],
      },
    },
  },
} as const satisfies Record<string, CatalogEntry>;

export type ErrorCode = keyof typeof catalog;

type TemplateParams<S extends string> = S extends `${string}{${infer Name}}${infer Rest}`
  ? Name | TemplateParams<Rest>
  : never;

/** The parameters a code's detail template needs, by name. */
export type ErrorParams<C extends ErrorCode> = Readonly<
  Record<TemplateParams<(typeof catalog)[C]['texts']['en']['detail']>, string | number>
>;

export const errorCodes = Object.keys(catalog) as ErrorCode[];

export function catalogEntry(code: ErrorCode): CatalogEntry {
  return catalog[code];
}
