import type { SeedRow } from '../shared/seed-row.js';

const seed = 'Codat (fr 002)';

/** Every row of the Codat seed (status table, account-limit examples, correlation IDs, async writes). */
export const codatSeedRows: readonly SeedRow[] = [
  { seed, row: '200 Success', status: 200, test: 'codat 200' },
  { seed, row: '202 Accepted (pending): a push operation, then its status polled', status: 202, test: 'codat 202' },
  { seed, row: '400 Bad request: an apparent client error', status: 400, test: 'codat 400' },
  { seed, row: '401 Unauthorized: the Codat API key is incorrect', status: 401, test: 'codat 401' },
  { seed, row: '402 CompanyValidationException: Company limit exceeded (50 companies, example body)', status: 402, test: 'codat 402 company limit' },
  { seed, row: '402 SyncSettingsValidationException: Sync schedule not allowed (hourly sync)', status: 402, test: 'codat 402 sync schedule' },
  { seed, row: '402 Payment Required: free account older than 365 days (example body)', status: 402, test: 'codat 402 account expired' },
  { seed, row: '403 Forbidden: an obsolete API key', status: 403, test: 'codat 403 obsolete key' },
  { seed, row: '403 Forbidden: a key not associated with this resource', status: 403, test: 'codat 403 key not bound' },
  { seed, row: '403 Forbidden: a downstream endpoint is not accessible', status: 403, test: 'codat 403 downstream not accessible' },
  { seed, row: '403 Forbidden: an endpoint you are not authorized for', status: 403, test: 'codat 403 not authorized' },
  { seed, row: '404 Not found: the requested resource could not be found', status: 404, test: 'codat 404 not found' },
  { seed, row: '404 Datatype [name] not supported by platform(s) [name]', status: 404, test: 'codat 404 datatype not supported' },
  { seed, row: '405 Method not allowed', status: 405, test: 'codat 405' },
  { seed, row: '409 Conflict: the resource is not ready (dataset not requested, sync not finished)', status: 409, test: 'codat 409 not ready' },
  { seed, row: '409 Conflict: more values than allowed (creating more than 10 API keys)', status: 409, test: 'codat 409 more than 10 API keys' },
  { seed, row: '429 Too many requests (X-Rate-Limit-* on every answer, Retry-After)', status: 429, test: 'codat 429' },
  { seed, row: '500 Internal server error: retry later', status: 500, test: 'codat 500' },
  { seed, row: '503 Service unavailable: offline for maintenance, retry later', status: 503, test: 'codat 503 maintenance' },
  { seed, row: 'Correlation ID in error responses (the integration\'s own error, service QuickBooksOnline)', status: 404, test: 'codat correlation ID' },
  { seed, row: 'Status codes in asynchronous write responses (the provider\'s status inside the operation)', status: 200, test: 'codat async write status codes' },
];
