import type { SeedRow } from '../shared/seed-row.js';

/**
 * Every row of the SeaTable seed (the same three errors in the French and the Russian article, plus
 * their support section), with the conformance test that reproduces it through Portier.
 */
export const seatableSeedRows: readonly SeedRow[] = [
  { seed: 'SeaTable (fr 000, ru 001)', row: '401 authentication_required: no token in the request', status: 401, test: 'seatable 401: no token' },
  { seed: 'SeaTable (fr 000, ru 001)', row: '401 authentication_required: token passed incorrectly (quoted, wrong scheme)', status: 401, test: 'seatable 401: token passed incorrectly' },
  { seed: 'SeaTable (fr 000, ru 001)', row: '401 unauthorized, invalid authentication token', status: 401, test: 'seatable 401: invalid token' },
  { seed: 'SeaTable (fr 000, ru 001)', row: '429 too_many_requests: over 300 requests a minute per base', status: 429, test: 'seatable 429: 301st request in a minute' },
  { seed: 'SeaTable (fr 000, ru 001)', row: '429 too_many_requests: over 5,000 requests a day per base', status: 429, test: 'seatable 429: 5001st request in a day' },
  { seed: 'SeaTable (fr 000, ru 001)', row: 'Support: the full request without the token, every error message (correlation ID on every answer)', status: 200, test: 'seatable support: correlation ID' },
];
