import type { SeedRow } from '../shared/seed-row.js';

const seed = 'Braze (fr 003)';

/** Every row of the Braze seed with the conformance test that reproduces it through Portier. */
export const brazeSeedRows: readonly SeedRow[] = [
  { seed, row: 'success: {"message": "success"}', status: 201, test: 'braze success' },
  { seed, row: 'success with non-fatal errors: {"message": "success", "errors": [...]}, unaffected items processed', status: 201, test: 'braze success with non-fatal errors' },
  { seed, row: 'tracked send id: {"message": "success", "send_id"}', status: 201, test: 'braze tracked send id' },
  { seed, row: '5XX Internal Server Error (retry with exponential backoff; not replayed)', status: 500, test: 'braze 5XX' },
  { seed, row: '400 Bad Request: bad syntax', status: 400, test: 'braze 400 bad syntax' },
  { seed, row: '400 No Recipients', status: 400, test: 'braze 400 No Recipients' },
  { seed, row: '400 Invalid Campaign ID', status: 400, test: 'braze 400 Invalid Campaign ID' },
  { seed, row: '400 Message Variant Unspecified', status: 400, test: 'braze 400 Message Variant Unspecified' },
  { seed, row: '400 Invalid Message Variant', status: 400, test: 'braze 400 Invalid Message Variant' },
  { seed, row: '400 Mismatched Message Type', status: 400, test: 'braze 400 Mismatched Message Type' },
  { seed, row: '400 Invalid Extra Push Payload', status: 400, test: 'braze 400 Invalid Extra Push Payload' },
  { seed, row: '400 Max Input Length Exceeded (more than 75 external IDs on /users/track)', status: 400, test: 'braze 400 Max Input Length Exceeded' },
  { seed, row: '400 The max number of external_ids and aliases per request was exceeded (more than 50)', status: 400, test: 'braze 400 max external_ids and aliases' },
  { seed, row: '400 The max number of ids per request was exceeded (more than 50)', status: 400, test: 'braze 400 max ids' },
  { seed, row: '400 No message to send', status: 400, test: 'braze 400 No message to send' },
  { seed, row: '400 Slideup Message Length Exceeded (over 140 characters)', status: 400, test: 'braze 400 Slideup Message Length Exceeded' },
  { seed, row: '400 Apple Push Length Exceeded (over 1,912 bytes)', status: 400, test: 'braze 400 Apple Push Length Exceeded' },
  { seed, row: '400 Android Push Length Exceeded (over 4,000 bytes)', status: 400, test: 'braze 400 Android Push Length Exceeded' },
  { seed, row: '400 Bad Request: send_at cannot be parsed', status: 400, test: 'braze 400 send_at' },
  { seed, row: '400 Bad Request: in_local_time true with a time in the company time zone', status: 400, test: 'braze 400 in_local_time' },
  { seed, row: '401 Unauthorized: invalid API key', status: 401, test: 'braze 401 invalid key' },
  { seed, row: '401 Unauthorized: request sent to the wrong instance', status: 401, test: 'braze 401 wrong instance' },
  { seed, row: '401 Unauthorized: API key in single or double quotes', status: 401, test: 'braze 401 quoted key' },
  { seed, row: '403 Forbidden: pricing plan not supported, or account disabled', status: 403, test: 'braze 403 Forbidden' },
  { seed, row: '403 Access Denied: the REST API key lacks the permission', status: 403, test: 'braze 403 Access Denied' },
  { seed, row: '404 Not Found: invalid URL', status: 404, test: 'braze 404' },
  { seed, row: '429 Rate Limited (X-RateLimit-* on every answer; 100 send ids a day)', status: 429, test: 'braze 429' },
];
