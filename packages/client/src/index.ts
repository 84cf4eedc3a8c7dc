export { createClient, PortierClient } from './client.js';
export type { ApiResponse, AuthScheme, ClientClock, ClientOptions, OperationOutcome, Query, RequestOptions, RetryInfo, WaitOptions } from './client.js';
export {
  AbortedError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  GatewayTimeoutError,
  isPortierError,
  NotFoundError,
  OperationFailedError,
  PaymentRequiredError,
  PermissionDeniedError,
  PortierApiError,
  RateLimitError,
  ServerError,
  ServiceUnavailableError,
  TimeoutError,
  ValidationError,
} from './errors.js';
export type { ErrorKind, SentRequest } from './errors.js';
export { backoffDelay, defaultBackoff } from './backoff.js';
export type { BackoffSettings } from './backoff.js';
export { parseRetryAfter, parseRetryAfterMs } from './headers.js';
export type { HeaderMap } from './headers.js';
export { readRateLimit } from './rate-limit-state.js';
export type { RateLimitPolicy, RateLimitState } from './rate-limit-state.js';
export { parseErrorBody } from './parse-error-body.js';
export type { ErrorItem, ParsedErrorBody } from './parse-error-body.js';
export { portierErrorCodes } from './error-codes.js';
export type { PortierErrorCode } from './error-codes.js';
